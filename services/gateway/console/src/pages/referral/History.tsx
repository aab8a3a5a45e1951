import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { useRpcQuery } from "../../api/hooks.js";
import { useSession, useStaffName } from "../../api/session.js";
import { DataTable } from "../../components/DataTable.js";
import { Loading } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";

/**
 * The referral's history as coordination tracks it (PII-free transitions with their reason codes),
 * read with the caller's own token: a receiving organisation sees the referrals it received. The
 * tracking model follows the events, so a change just made may appear a moment later.
 */
export function Timeline({ referralId, sequence }: { referralId: string; sequence: string | undefined }) {
  const { t } = useTranslation("referral");
  const format = useFormat();
  const vocabulary = useVocabulary();
  const timeline = useRpcQuery(
    "coordination",
    "GetReferralTimeline",
    { referralId, includeChain: false },
    { retry: false },
  );
  const transitions = timeline.data?.transitions ?? [];
  // Coordination learns of a change from the referral's events: after a change made here, look
  // again a moment later so the history catches up without a reload.
  const { refetch } = timeline;
  const seen = useRef(sequence);
  useEffect(() => {
    if (seen.current === sequence) return;
    seen.current = sequence;
    const timer = setTimeout(() => void refetch(), 2_000);
    return () => clearTimeout(timer);
  }, [sequence, refetch]);
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t("timeline.title")}</h2>
      {timeline.isPending ? <Loading /> : null}
      {timeline.error ? <ProblemMessage error={timeline.error} /> : null}
      {timeline.data && transitions.length === 0 ? <p className="empty">{t("timeline.empty")}</p> : null}
      {transitions.length > 0 ? (
        <ol className="timeline">
          {transitions.map((step) => {
            const reason =
              step.declineReason ??
              step.onHoldReason ??
              step.notCompletedReason ??
              step.cancelReason ??
              step.redirectReason;
            return (
              <li key={`${step.referralId}-${step.sequence}`}>
                <time dateTime={step.occurredAt}>{format.dateTime(step.occurredAt)}</time>
                {" — "}
                <strong>{vocabulary(step.toStatus)}</strong>
                {reason ? <> ({vocabulary(reason)})</> : null}
                {step.outcomeCodes && step.outcomeCodes.length > 0 ? (
                  <> · {step.outcomeCodes.map((code) => vocabulary(code)).join(", ")}</>
                ) : null}
                <br />
                <span className="hint">
                  {t("timeline.by", { kind: vocabulary(step.actorKind) })}{" "}
                  {step.actorOrganisationId ? <bdi>{step.actorOrganisationId}</bdi> : null}
                </span>
              </li>
            );
          })}
        </ol>
      ) : null}
    </section>
  );
}

function useWho() {
  const { t } = useTranslation("referral");
  const session = useSession();
  const staffName = useStaffName();
  // A colleague's name where the staff directory knows them; anyone else (another organisation's
  // staff, a partner system) by the id the history recorded.
  return (actorId: string | undefined) =>
    !actorId ? "—" : actorId === session.staffId ? t("who.me") : (staffName(actorId) ?? actorId);
}

export function ContactAttempts({ referralId }: { referralId: string }) {
  const { t } = useTranslation("referral");
  const format = useFormat();
  const vocabulary = useVocabulary();
  const who = useWho();
  const attempts = useRpcQuery("inbox", "ListContactAttempts", { referralId }, { retry: false });
  type Attempt = NonNullable<NonNullable<typeof attempts.data>["contactAttempts"]>[number];
  return (
    <section aria-labelledby="contacts-title">
      <h2 id="contacts-title">{t("contacts.title")}</h2>
      {attempts.isPending ? <Loading /> : null}
      {attempts.error ? <ProblemMessage error={attempts.error} /> : null}
      {attempts.data ? (
        <DataTable<Attempt>
          caption={t("contacts.title")}
          captionHidden
          exportName="contact-attempts"
          rows={attempts.data.contactAttempts ?? []}
          rowKey={(attempt) => attempt.attemptId ?? ""}
          empty={t("contacts.empty")}
          columns={[
            {
              key: "at",
              header: t("contacts.attemptedAt"),
              render: (attempt) => format.dateTime(attempt.attemptedAt),
              value: (attempt) => attempt.attemptedAt,
            },
            {
              key: "method",
              header: t("contacts.method"),
              render: (attempt) => vocabulary(attempt.method),
              value: (attempt) => vocabulary(attempt.method),
            },
            {
              key: "result",
              header: t("contacts.result"),
              render: (attempt) => vocabulary(attempt.result),
              value: (attempt) => vocabulary(attempt.result),
            },
            {
              key: "by",
              header: t("contacts.recordedBy"),
              render: (attempt) => <bdi>{who(attempt.recordedBy?.actorId)}</bdi>,
              value: (attempt) => who(attempt.recordedBy?.actorId),
            },
          ]}
        />
      ) : null}
    </section>
  );
}

export function Assignments({ referralId }: { referralId: string }) {
  const { t } = useTranslation("referral");
  const format = useFormat();
  const who = useWho();
  const history = useRpcQuery("inbox", "ListReferralAssignments", { referralId }, { retry: false });
  type Assignment = NonNullable<NonNullable<typeof history.data>["assignments"]>[number];
  return (
    <section aria-labelledby="assignments-title">
      <h2 id="assignments-title">{t("assignments.title")}</h2>
      {history.isPending ? <Loading /> : null}
      {history.error ? <ProblemMessage error={history.error} /> : null}
      {history.data ? (
        <DataTable<Assignment>
          caption={t("assignments.title")}
          captionHidden
          exportName="assignments"
          rows={history.data.assignments ?? []}
          rowKey={(assignment) => String(assignment.sequence ?? "")}
          empty={t("assignments.empty")}
          columns={[
            {
              key: "at",
              header: t("assignments.assignedAt"),
              render: (assignment) => format.dateTime(assignment.assignedAt),
              value: (assignment) => assignment.assignedAt,
            },
            {
              key: "to",
              header: t("assignments.assignee"),
              render: (assignment) => <bdi>{who(assignment.assigneeActorId)}</bdi>,
              value: (assignment) => who(assignment.assigneeActorId),
            },
            {
              key: "previous",
              header: t("assignments.previous"),
              render: (assignment) => <bdi>{who(assignment.previousAssigneeActorId)}</bdi>,
              value: (assignment) => who(assignment.previousAssigneeActorId),
            },
            {
              key: "by",
              header: t("assignments.assignedBy"),
              render: (assignment) => <bdi>{who(assignment.assignedByActorId)}</bdi>,
              value: (assignment) => who(assignment.assignedByActorId),
            },
          ]}
        />
      ) : null}
    </section>
  );
}
