import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { MethodOf, ProblemError, ResponseOf } from "../../api/client.js";
import { useRpcMutation, useRpcQuery } from "../../api/hooks.js";
import { useCapabilities, useColleagues, useSession, useStaffName } from "../../api/session.js";
import { PRIORITIES, SERVICE_TYPES } from "../inbox/Filters.js";
import type { Priority, ServiceType } from "../inbox/types.js";
import { ActionDialog } from "./ActionDialog.js";
import { allowedActions, completionOutcomes, type ReferralAction } from "./actions.js";
import {
  CONTACT_METHODS,
  CONTACT_RESULTS,
  type ContactMethod,
  type ContactResult,
  DECLINE_REASONS,
  type DeclineReason,
  NOT_COMPLETED_REASONS,
  type NotCompletedReason,
  ON_HOLD_REASONS,
  type OnHoldReason,
  OUTCOME_CODES,
  type OutcomeCode,
  PURPOSES,
  type Purpose,
  REDIRECT_REASONS,
  type RedirectReason,
} from "./enums.js";
import { ActionError, CodeChecks, CodeSelect, Field, FormButtons, NoteField } from "./forms.js";
import { dateToTimestamp, fieldReason, isFuture, localDateTimeToTimestamp } from "./inputs.js";

export type Referral = NonNullable<ResponseOf<"inbox", "GetReferral">["referral"]>;

/** Actions done with one click; the others open a dialog with their fields. */
const DIRECT: ReadonlySet<ReferralAction> = new Set(["acknowledge", "accept", "start"]);

/**
 * A change through the inbox service. Every transition carries the sequence the page last saw, so
 * a change made meanwhile by a colleague fails (sequence_conflict) instead of being overwritten;
 * the page then reloads the referral and says so.
 */
function useInboxAction<M extends MethodOf<"inbox">>(method: M) {
  const queries = useQueryClient();
  const mutation = useRpcMutation("inbox", method, { invalidates: ["coordination"] });
  const conflict = mutation.error?.code === "sequence_conflict";
  useEffect(() => {
    if (conflict) void queries.invalidateQueries({ queryKey: ["inbox"] });
  }, [conflict, queries]);
  return mutation;
}

function expected(referral: Referral) {
  return referral.sequence ? { expectedSequence: referral.sequence } : {};
}

interface FormProps {
  referral: Referral;
  onDone(message: string): void;
  onCancel(): void;
}

function useRequired() {
  const { t } = useTranslation("referral");
  return (submitted: boolean, value: unknown, server?: string) =>
    server ??
    (submitted && (value === "" || (Array.isArray(value) && value.length === 0))
      ? t("form.required")
      : undefined);
}

function DeclineForm({ referral, onDone, onCancel }: FormProps) {
  const { t } = useTranslation("referral");
  const action = useInboxAction("DeclineReferral");
  const required = useRequired();
  const [reason, setReason] = useState<DeclineReason | "">("");
  const [note, setNote] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!reason) return;
    action.mutate(
      {
        request: {
          referralId: referral.referralId ?? "",
          reason,
          ...(note.trim() ? { internalNote: note.trim() } : {}),
          ...expected(referral),
        },
      },
      { onSuccess: () => onDone(t("done.decline")) },
    );
  };
  return (
    <form onSubmit={submit} noValidate>
      <CodeSelect
        label={t("form.declineReason")}
        values={DECLINE_REASONS}
        value={reason}
        onChange={setReason}
        error={required(submitted, reason, fieldReason(action.error?.invalidParams, "reason"))}
      />
      <NoteField value={note} onChange={setNote} />
      <ActionError error={action.error} />
      <FormButtons submit={t("submit.decline")} pending={action.isPending} onCancel={onCancel} danger />
    </form>
  );
}

function HoldForm({ referral, onDone, onCancel }: FormProps) {
  const { t } = useTranslation("referral");
  const action = useInboxAction("PutReferralOnHold");
  const required = useRequired();
  const [reason, setReason] = useState<OnHoldReason | "">("");
  const [reviewBy, setReviewBy] = useState("");
  const [note, setNote] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!reason) return;
    const review = dateToTimestamp(reviewBy);
    action.mutate(
      {
        request: {
          referralId: referral.referralId ?? "",
          reason,
          ...(review ? { reviewBy: review } : {}),
          ...(note.trim() ? { internalNote: note.trim() } : {}),
          ...expected(referral),
        },
      },
      { onSuccess: () => onDone(t("done.hold")) },
    );
  };
  return (
    <form onSubmit={submit} noValidate>
      <CodeSelect
        label={t("form.onHoldReason")}
        values={ON_HOLD_REASONS}
        value={reason}
        onChange={setReason}
        error={required(submitted, reason, fieldReason(action.error?.invalidParams, "reason"))}
      />
      <Field
        label={t("form.reviewBy")}
        hint={t("form.optional")}
        error={fieldReason(action.error?.invalidParams, "review_by")}
      >
        {(props) => (
          <input
            {...props}
            type="date"
            value={reviewBy}
            onChange={(event) => setReviewBy(event.target.value)}
          />
        )}
      </Field>
      <NoteField value={note} onChange={setNote} />
      <ActionError error={action.error} />
      <FormButtons submit={t("submit.hold")} pending={action.isPending} onCancel={onCancel} />
    </form>
  );
}

function NotCompletedForm({ referral, onDone, onCancel }: FormProps) {
  const { t } = useTranslation("referral");
  const action = useInboxAction("ReportNotCompleted");
  const required = useRequired();
  const [reason, setReason] = useState<NotCompletedReason | "">("");
  const [note, setNote] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!reason) return;
    action.mutate(
      {
        request: {
          referralId: referral.referralId ?? "",
          reason,
          ...(note.trim() ? { internalNote: note.trim() } : {}),
          ...expected(referral),
        },
      },
      { onSuccess: () => onDone(t("done.notCompleted")) },
    );
  };
  return (
    <form onSubmit={submit} noValidate>
      <CodeSelect
        label={t("form.notCompletedReason")}
        values={NOT_COMPLETED_REASONS}
        value={reason}
        onChange={setReason}
        error={required(submitted, reason, fieldReason(action.error?.invalidParams, "reason"))}
      />
      <NoteField value={note} onChange={setNote} />
      <ActionError error={action.error} />
      <FormButtons submit={t("submit.notCompleted")} pending={action.isPending} onCancel={onCancel} danger />
    </form>
  );
}

/** Completion (IN_PROGRESS → COMPLETED) and later outcome reports share their fields. */
function OutcomeForm({ referral, onDone, onCancel, mode }: FormProps & { mode: "complete" | "outcome" }) {
  const { t } = useTranslation("referral");
  const complete = useInboxAction("CompleteReferral");
  const report = useInboxAction("ReportOutcome");
  const action = mode === "complete" ? complete : report;
  const required = useRequired();
  const codes = mode === "complete" ? completionOutcomes(OUTCOME_CODES) : OUTCOME_CODES;
  const [outcomes, setOutcomes] = useState<OutcomeCode[]>(
    mode === "outcome" ? ((referral.outcomeCodes ?? []) as OutcomeCode[]) : [],
  );
  const [completedOn, setCompletedOn] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const completedAt = dateToTimestamp(completedOn);
  const future = completedAt !== undefined && isFuture(completedAt, Date.now());
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (outcomes.length === 0 || future) return;
    const request = {
      referralId: referral.referralId ?? "",
      outcomeCodes: outcomes,
      ...(completedAt ? { completedAt } : {}),
    };
    if (mode === "complete")
      complete.mutate(
        { request: { ...request, ...expected(referral) } },
        { onSuccess: () => onDone(t("done.complete")) },
      );
    else report.mutate({ request }, { onSuccess: () => onDone(t("done.outcome")) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <CodeChecks
        legend={t("form.outcomeCodes")}
        values={codes}
        checked={outcomes}
        onChange={setOutcomes}
        error={required(submitted, outcomes, fieldReason(action.error?.invalidParams, "outcome_codes"))}
      />
      <Field
        label={t("form.completedAt")}
        hint={t("form.completedAtHint")}
        error={future ? t("form.notInFuture") : fieldReason(action.error?.invalidParams, "completed_at")}
      >
        {(props) => (
          <input
            {...props}
            type="date"
            value={completedOn}
            onChange={(event) => setCompletedOn(event.target.value)}
          />
        )}
      </Field>
      <ActionError error={action.error} />
      <FormButtons
        submit={mode === "complete" ? t("submit.complete") : t("submit.outcome")}
        pending={action.isPending}
        onCancel={onCancel}
      />
    </form>
  );
}

/** The other organisations of the directory, for a redirect or an onward referral. */
function useTargets() {
  const session = useSession();
  const organisations = useRpcQuery(
    "coordination",
    "ListOrganisations",
    { page: { pageSize: 500 } },
    { staleTime: 5 * 60_000 },
  );
  const options = (organisations.data?.organisations ?? [])
    .filter((organisation) => organisation.organisationId !== session.organisationId)
    .map((organisation) => ({
      id: organisation.organisationId ?? "",
      name: organisation.name ?? organisation.organisationId ?? "",
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { options, query: organisations };
}

function TargetSelect({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange(value: string): void;
  error: string | undefined;
}) {
  const { t } = useTranslation("referral");
  const targets = useTargets();
  return (
    <Field
      label={t("form.target")}
      error={error}
      hint={targets.query.isPending ? t("form.loadingTargets") : undefined}
    >
      {(props) => (
        <select {...props} value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">{t("form.choose")}</option>
          {targets.options.map((option) => (
            <option key={option.id} value={option.id}>
              {option.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function RedirectForm({ referral, onDone, onCancel }: FormProps) {
  const { t } = useTranslation("referral");
  const action = useInboxAction("RedirectReferral");
  const required = useRequired();
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState<RedirectReason | "">("");
  const [serviceType, setServiceType] = useState<ServiceType | "">(referral.serviceType ?? "");
  const [submitted, setSubmitted] = useState(false);
  const [requestId] = useState(() => crypto.randomUUID());
  const invalid = action.error?.invalidParams;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!target || !reason) return;
    action.mutate(
      {
        request: {
          requestId,
          referralId: referral.referralId ?? "",
          targetOrganisationId: target,
          reason,
          consentId: referral.consentId ?? "",
          ...(serviceType ? { serviceType } : {}),
          ...expected(referral),
        },
      },
      { onSuccess: () => onDone(t("done.redirect")) },
    );
  };
  return (
    <form onSubmit={submit} noValidate>
      <TargetSelect
        value={target}
        onChange={setTarget}
        error={required(submitted, target, fieldReason(invalid, "target_organisation_id"))}
      />
      <CodeSelect
        label={t("form.redirectReason")}
        values={REDIRECT_REASONS}
        value={reason}
        onChange={setReason}
        error={required(submitted, reason, fieldReason(invalid, "reason"))}
      />
      <CodeSelect
        label={t("form.serviceType")}
        values={SERVICE_TYPES}
        value={serviceType}
        onChange={setServiceType}
        hint={t("form.redirectServiceTypeHint")}
        error={fieldReason(invalid, "service_type")}
      />
      <p className="hint">{t("form.consentHint")}</p>
      <ActionError error={action.error} />
      <FormButtons submit={t("submit.redirect")} pending={action.isPending} onCancel={onCancel} />
    </form>
  );
}

function OnwardForm({ referral, onDone, onCancel }: FormProps) {
  const { t } = useTranslation("referral");
  const action = useInboxAction("MakeOnwardReferral");
  const required = useRequired();
  const [target, setTarget] = useState("");
  const [serviceType, setServiceType] = useState<ServiceType | "">("");
  const [priority, setPriority] = useState<Priority | "">(referral.priority ?? "PRIORITY_NORMAL");
  const [purpose, setPurpose] = useState<Purpose | "">(
    (referral.purpose as Purpose | undefined) ?? "PURPOSE_SERVICE_PROVISION",
  );
  const [reasonText, setReasonText] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [requestId] = useState(() => crypto.randomUUID());
  const invalid = action.error?.invalidParams;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!target || !serviceType || !priority || !purpose || !reasonText.trim()) return;
    action.mutate(
      {
        request: {
          requestId,
          parentReferralId: referral.referralId ?? "",
          targetOrganisationId: target,
          serviceType,
          priority,
          purpose,
          consentId: referral.consentId ?? "",
          reasonForReferral: reasonText.trim(),
        },
      },
      {
        onSuccess: (answer) =>
          onDone(t("done.onward", { id: (answer.referral?.referralId ?? "").slice(0, 8) })),
      },
    );
  };
  return (
    <form onSubmit={submit} noValidate>
      <TargetSelect
        value={target}
        onChange={setTarget}
        error={required(submitted, target, fieldReason(invalid, "target_organisation_id"))}
      />
      <CodeSelect
        label={t("form.serviceType")}
        values={SERVICE_TYPES}
        value={serviceType}
        onChange={setServiceType}
        error={required(submitted, serviceType, fieldReason(invalid, "service_type"))}
      />
      <CodeSelect
        label={t("form.priority")}
        values={PRIORITIES}
        value={priority}
        onChange={setPriority}
        error={required(submitted, priority, fieldReason(invalid, "priority"))}
      />
      <CodeSelect
        label={t("form.purpose")}
        values={PURPOSES}
        value={purpose}
        onChange={setPurpose}
        error={required(submitted, purpose, fieldReason(invalid, "purpose"))}
      />
      <Field
        label={t("form.reasonForReferral")}
        hint={t("form.reasonForReferralHint")}
        error={required(submitted, reasonText.trim(), fieldReason(invalid, "reason_for_referral"))}
      >
        {(props) => (
          <textarea
            {...props}
            rows={4}
            maxLength={2000}
            value={reasonText}
            onChange={(event) => setReasonText(event.target.value)}
          />
        )}
      </Field>
      <p className="hint">{t("form.consentHint")}</p>
      <ActionError error={action.error} />
      <FormButtons submit={t("submit.onward")} pending={action.isPending} onCancel={onCancel} />
    </form>
  );
}

function AssignForm({ referral, onDone, onCancel }: FormProps) {
  const { t } = useTranslation("referral");
  const session = useSession();
  const action = useInboxAction("AssignReferral");
  const colleagues = useColleagues();
  const staffName = useStaffName();
  const required = useRequired();
  const [assignee, setAssignee] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!assignee.trim()) return;
    action.mutate(
      { request: { referralId: referral.referralId ?? "", assigneeActorId: assignee.trim() } },
      { onSuccess: () => onDone(t("done.assign")) },
    );
  };
  return (
    <form onSubmit={submit} noValidate>
      <p>
        {referral.assigneeActorId
          ? t("assign.current", { id: staffName(referral.assigneeActorId) })
          : t("assign.none")}
      </p>
      <Field
        label={t("form.assignee")}
        hint={t("form.assigneeHint")}
        error={required(
          submitted,
          assignee.trim(),
          fieldReason(action.error?.invalidParams, "assignee_actor_id"),
        )}
      >
        {(props) => (
          <select {...props} value={assignee} onChange={(event) => setAssignee(event.target.value)}>
            <option value="">{t("form.choose")}</option>
            {(colleagues.data ?? []).map((colleague) => (
              <option key={colleague.staffId} value={colleague.staffId}>
                {colleague.staffId === session.staffId
                  ? t("assign.meOption", { name: colleague.displayName })
                  : colleague.displayName}
              </option>
            ))}
          </select>
        )}
      </Field>
      <p>
        <button type="button" className="button secondary" onClick={() => setAssignee(session.staffId)}>
          {t("assign.toMe")}
        </button>
      </p>
      <ActionError error={action.error} />
      <FormButtons submit={t("submit.assign")} pending={action.isPending} onCancel={onCancel} />
    </form>
  );
}

function ContactForm({ referral, onDone, onCancel }: FormProps) {
  const { t } = useTranslation("referral");
  const action = useInboxAction("RecordContactAttempt");
  const required = useRequired();
  const [method, setMethod] = useState<ContactMethod | "">("");
  const [result, setResult] = useState<ContactResult | "">("");
  const [when, setWhen] = useState("");
  const [note, setNote] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [requestId] = useState(() => crypto.randomUUID());
  const attemptedAt = localDateTimeToTimestamp(when);
  const future = attemptedAt !== undefined && isFuture(attemptedAt, Date.now());
  const invalid = action.error?.invalidParams;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!method || !result || future) return;
    action.mutate(
      {
        request: {
          requestId,
          referralId: referral.referralId ?? "",
          method,
          result,
          ...(attemptedAt ? { attemptedAt } : {}),
          ...(note.trim() ? { internalNote: note.trim() } : {}),
        },
      },
      { onSuccess: () => onDone(t("done.contact")) },
    );
  };
  return (
    <form onSubmit={submit} noValidate>
      <CodeSelect
        label={t("form.contactMethod")}
        values={CONTACT_METHODS}
        value={method}
        onChange={setMethod}
        error={required(submitted, method, fieldReason(invalid, "method"))}
      />
      <CodeSelect
        label={t("form.contactResult")}
        values={CONTACT_RESULTS}
        value={result}
        onChange={setResult}
        error={required(submitted, result, fieldReason(invalid, "result"))}
      />
      <Field
        label={t("form.attemptedAt")}
        hint={t("form.attemptedAtHint")}
        error={future ? t("form.notInFuture") : fieldReason(invalid, "attempted_at")}
      >
        {(props) => (
          <input
            {...props}
            type="datetime-local"
            value={when}
            onChange={(event) => setWhen(event.target.value)}
          />
        )}
      </Field>
      <NoteField value={note} onChange={setNote} />
      <ActionError error={action.error} />
      <FormButtons submit={t("submit.contact")} pending={action.isPending} onCancel={onCancel} />
    </form>
  );
}

/** The one-click transitions: acknowledge, accept, start. */
function DirectButton({
  action,
  referral,
  onDone,
  onError,
}: {
  action: "acknowledge" | "accept" | "start";
  referral: Referral;
  onDone(message: string): void;
  onError(error: ProblemError | null): void;
}) {
  const { t } = useTranslation("referral");
  const method =
    action === "acknowledge"
      ? "AcknowledgeReferral"
      : action === "accept"
        ? "AcceptReferral"
        : "StartReferral";
  const mutation = useInboxAction(method);
  return (
    <button
      type="button"
      className="button"
      disabled={mutation.isPending}
      onClick={() => {
        onError(null);
        // Not mutate()'s own callbacks: the new status removes this button, and React Query does
        // not call an unmounted observer's callbacks, so the confirmation would never be announced.
        mutation
          .mutateAsync({ request: { referralId: referral.referralId ?? "", ...expected(referral) } })
          .then(
            () => onDone(t(`done.${action}`)),
            (error: ProblemError) => onError(error),
          );
      }}
    >
      {mutation.isPending ? t("form.sending") : t(`action.${action}`)}
    </button>
  );
}

/** The actions a status allows, each with its reason codes; results are announced on the page. */
export function ActionPanel({ referral }: { referral: Referral }) {
  const { t } = useTranslation("referral");
  const can = useCapabilities();
  const [open, setOpen] = useState<ReferralAction | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [directError, setDirectError] = useState<ProblemError | null>(null);
  const actions = allowedActions(referral.status, { supervises: can.supervises });
  const done = (message: string) => {
    setOpen(undefined);
    setNotice(message);
  };
  const close = () => setOpen(undefined);
  const form = (action: ReferralAction) => {
    const props = { referral, onDone: done, onCancel: close };
    switch (action) {
      case "decline":
        return <DeclineForm {...props} />;
      case "hold":
        return <HoldForm {...props} />;
      case "notCompleted":
        return <NotCompletedForm {...props} />;
      case "complete":
        return <OutcomeForm {...props} mode="complete" />;
      case "outcome":
        return <OutcomeForm {...props} mode="outcome" />;
      case "redirect":
        return <RedirectForm {...props} />;
      case "onward":
        return <OnwardForm {...props} />;
      case "assign":
        return <AssignForm {...props} />;
      case "contact":
        return <ContactForm {...props} />;
      default:
        return null;
    }
  };
  return (
    <section aria-labelledby="actions-title" className="actions">
      <h2 id="actions-title">{t("actions.title")}</h2>
      <div role="status" className="action-notice">
        {notice ? <p className="notice-ok">{notice}</p> : null}
      </div>
      {actions.length === 0 ? <p className="empty">{t("actions.none")}</p> : null}
      <div className="action-buttons">
        {actions.map((action) =>
          DIRECT.has(action) ? (
            <DirectButton
              key={action}
              action={action as "acknowledge" | "accept" | "start"}
              referral={referral}
              onDone={(message) => {
                setNotice(message);
              }}
              onError={setDirectError}
            />
          ) : (
            <button
              key={action}
              type="button"
              className={
                action === "decline" || action === "notCompleted" ? "button danger" : "button secondary"
              }
              aria-haspopup="dialog"
              onClick={() => {
                setNotice(undefined);
                setOpen(action);
              }}
            >
              {t(`action.${action}`)}
            </button>
          ),
        )}
      </div>
      <ActionError error={directError} />
      <ActionDialog title={open ? t(`dialog.${open}`) : ""} open={open !== undefined} onClose={close}>
        {open ? form(open) : null}
      </ActionDialog>
    </section>
  );
}
