import { useQuery } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { type ProblemError, rpc } from "../../../api/client.js";
import { useRpcMutation, useRpcQuery } from "../../../api/hooks.js";
import { useColleagues, useSession } from "../../../api/session.js";
import { Loading } from "../../../components/Page.js";
import { useFormat } from "../../../format.js";
import { useVocabulary } from "../../../i18n/vocabulary.js";
import { CaseworkProblem } from "./CaseworkProblem.js";
import { CASE_PAGE_SIZE, type CaseLike, canOpenCase, findCase } from "./cases.js";
import { STAFF_CLOSURE_REASONS } from "./enums.js";
import { SelectField, SubmitButton, SuccessStatus, TextField } from "./Form.js";
import { fieldReasons } from "./fields.js";

// The case a referral is served through at a case-keeping service (MMCC, ECM, protection): found
// among the organisation's cases, summarised, opened when the referral has none, and closed.

export type CaseService = "municipality" | "ecm" | "protection";

export interface CaseBase extends CaseLike {
  caseId?: string;
  status?: string;
  assignedCaseworkerId?: string;
  openedAt?: string;
  closedAt?: string;
  closureReason?: string;
}

async function listPage(service: CaseService, organisationId: string, pageToken: string) {
  const page = { pageSize: CASE_PAGE_SIZE, pageToken };
  switch (service) {
    case "municipality": {
      const answer = await rpc(service, "ListCases", { organisationId, page });
      return { cases: answer.municipalityCases ?? [], nextPageToken: answer.page?.nextPageToken };
    }
    case "ecm": {
      const answer = await rpc(service, "ListCases", { organisationId, page });
      return { cases: answer.ecmCases ?? [], nextPageToken: answer.page?.nextPageToken };
    }
    case "protection": {
      const answer = await rpc(service, "ListCases", { organisationId, page });
      return { cases: answer.cases ?? [], nextPageToken: answer.page?.nextPageToken };
    }
  }
}

/**
 * The referral's case at this service (null: none the caller may see). Cached under the service;
 * only the case found is kept (not the page of other cases), after `keep` dropped what the viewer
 * is not to see.
 */
export function useReferralCase<C extends CaseBase>(
  service: CaseService,
  referralId: string,
  keep: (found: C) => C = (found) => found,
) {
  const session = useSession();
  // The referral's status is part of the key: accepting it (on the referral page) opens its case, and
  // the lookup then runs again.
  const referral = useRpcQuery("inbox", "GetReferral", { referralId }, { retry: false });
  const status = referral.data?.referral?.status;
  return useQuery<C | null, ProblemError>({
    queryKey: [service, "ListCases", { referralId, status }],
    enabled: !referral.isPending,
    queryFn: async () => {
      const found = await findCase(
        (token) =>
          listPage(service, session.organisationId, token) as Promise<{
            cases: C[];
            nextPageToken: string | undefined;
          }>,
        referralId,
      );
      return found ? keep(found) : null;
    },
  });
}

/** "You" for the caller, a colleague's name, else the staff id (staff ids are pseudonymous). */
export function useStaffName() {
  const session = useSession();
  const colleagues = useColleagues();
  const { t } = useTranslation("casework");
  // A colleague by the name the staff directory gives; anyone else by the id the service recorded.
  return (staffId: string | undefined) =>
    !staffId
      ? "—"
      : staffId === session.staffId
        ? t("case.you")
        : (colleagues.data?.find((colleague) => colleague.staffId === staffId)?.displayName ?? staffId);
}

export function CaseFacts({ item, children }: { item: CaseBase; children?: ReactNode }) {
  const { t } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const staffName = useStaffName();
  const closed = item.status === "CASE_STATUS_CLOSED";
  return (
    <dl className="facts">
      <dt>{t("case.status")}</dt>
      <dd>
        <span className="status">{vocabulary(item.status)}</span>
      </dd>
      <dt>{t("case.openedAt")}</dt>
      <dd>{format.dateTime(item.openedAt)}</dd>
      <dt>{t("case.assignedTo")}</dt>
      <dd>
        <bdi>{staffName(item.assignedCaseworkerId)}</bdi>
      </dd>
      {children}
      {closed ? (
        <>
          <dt>{t("case.closedAt")}</dt>
          <dd>{format.dateTime(item.closedAt)}</dd>
          <dt>{t("case.closureReason")}</dt>
          <dd>{vocabulary(item.closureReason)}</dd>
        </>
      ) : null}
    </dl>
  );
}

/** When the referral has no case here yet (not accepted, or its case was closed): open one. */
export function OpenCaseForm({
  service,
  referralId,
  extra,
  beforeSubmit,
}: {
  service: CaseService;
  referralId: string;
  /** Fields a service needs beside the referral (the protection case type). */
  extra?: ReactNode;
  /** Extra request fields, or an error message that stops the submission. */
  beforeSubmit?: () => { fields: Partial<Record<string, string>> } | { error: string };
}) {
  const { t } = useTranslation("casework");
  const session = useSession();
  const referral = useRpcQuery("inbox", "GetReferral", { referralId }, { retry: false });
  const mutation = useRpcMutation(service, "OpenCase");
  const [localError, setLocalError] = useState<string>();
  if (referral.isPending) return <Loading />;
  if (!canOpenCase(referral.data?.referral?.status)) return <p className="hint">{t("case.notYet")}</p>;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const prepared = beforeSubmit?.() ?? { fields: {} };
    if ("error" in prepared) {
      setLocalError(prepared.error);
      return;
    }
    setLocalError(undefined);
    mutation.mutate({
      request: {
        requestId: crypto.randomUUID(),
        organisationId: session.organisationId,
        referralId,
        ...prepared.fields,
      },
    });
  };
  return (
    <form onSubmit={submit} noValidate className="casework-form">
      <p>{t("case.none")}</p>
      {extra}
      {localError ? <p className="field-error">{localError}</p> : null}
      <CaseworkProblem error={mutation.error} />
      <SubmitButton pending={mutation.isPending}>{t("case.open")}</SubmitButton>
    </form>
  );
}

/** Closing needs a reason; the note stays at the service. */
export function CloseCaseForm({
  service,
  caseId,
  open,
  blockedBy,
}: {
  service: CaseService;
  caseId: string;
  /** A closed case offers nothing; the form stays mounted so its success message is still read. */
  open: boolean;
  /** Why the case cannot be closed yet (e.g. assistance still pending); the form is then not offered. */
  blockedBy?: string | undefined;
}) {
  const { t } = useTranslation("casework");
  const mutation = useRpcMutation(service, "CloseCase");
  const [reason, setReason] = useState<(typeof STAFF_CLOSURE_REASONS)[number] | "">("");
  const [note, setNote] = useState("");
  const [missing, setMissing] = useState(false);
  const [done, setDone] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    if (!reason) {
      setMissing(true);
      return;
    }
    setMissing(false);
    mutation.mutate(
      { request: { caseId, reason, ...(note.trim() ? { internalNote: note.trim() } : {}) } },
      { onSuccess: () => setDone(t("close.done")) },
    );
  };
  return (
    <>
      {open ? (
        <section className="casework-section">
          <h3 id={`close-${caseId}`}>{t("close.title")}</h3>
          {blockedBy ? (
            <p className="hint">{blockedBy}</p>
          ) : (
            <form onSubmit={submit} noValidate className="casework-form">
              <div className="form-row">
                <SelectField
                  label={t("close.reason")}
                  value={reason}
                  onChange={setReason}
                  options={STAFF_CLOSURE_REASONS}
                  required
                  error={missing ? t("form.chooseOne") : fieldReasons(mutation.error, "reason")}
                />
                <TextField
                  label={t("close.note")}
                  hint={t("close.noteHint")}
                  value={note}
                  onChange={setNote}
                  multiline
                  maxLength={2000}
                  error={fieldReasons(mutation.error, "internalNote")}
                />
              </div>
              <CaseworkProblem error={mutation.error} />
              <button type="submit" className="button danger" disabled={mutation.isPending}>
                {mutation.isPending ? t("form.saving") : t("close.submit")}
              </button>
            </form>
          )}
        </section>
      ) : null}
      <SuccessStatus message={done} />
    </>
  );
}
