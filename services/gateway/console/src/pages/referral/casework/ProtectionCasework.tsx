import type { components } from "@kopru/contracts/openapi/console-api";
import { type FormEvent, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { useRpcMutation, useRpcQuery } from "../../../api/hooks.js";
import { useCapabilities, useColleagues, useSession } from "../../../api/session.js";
import { type Column, DataTable } from "../../../components/DataTable.js";
import { Loading } from "../../../components/Page.js";
import { useFormat } from "../../../format.js";
import { useVocabulary } from "../../../i18n/vocabulary.js";
import { CaseFacts, CloseCaseForm, OpenCaseForm, useReferralCase, useStaffName } from "./Case.js";
import { CaseworkProblem } from "./CaseworkProblem.js";
import {
  PROTECTION_CONCERNS,
  type ProtectionConcern,
  RISK_LEVELS,
  type RiskLevel,
  SAFETY_PLAN_RESPONSIBLES,
  type SafetyPlanResponsible,
} from "./enums.js";
import { CheckboxField, CheckboxGroup, SelectField, SubmitButton, SuccessStatus, TextField } from "./Form.js";
import { fieldReasons, localDateToInstant } from "./fields.js";
import { formatList } from "./list.js";
import { withoutRestrictedParts } from "./protection.js";
import { parseStaffIds } from "./staff.js";

type Schema = components["schemas"];
type ProtectionCase = Schema["kopru.protection.v1.ProtectionCase"];
type CaseType = Schema["kopru.protection.v1.ProtectionCaseType"];
type RiskAssessment = Schema["kopru.protection.v1.RiskAssessment"];
type SafetyPlan = Schema["kopru.protection.v1.SafetyPlan"];

const CASE_TYPES: readonly CaseType[] = [
  "PROTECTION_CASE_TYPE_GENERAL",
  "PROTECTION_CASE_TYPE_GBV",
  "PROTECTION_CASE_TYPE_CHILD_PROTECTION",
  "PROTECTION_CASE_TYPE_MHPSS",
  "PROTECTION_CASE_TYPE_LEGAL",
];

/**
 * Protection case work. The risk assessments and safety plans are shown and recorded only for staff
 * with the restricted protection role; everyone else sees that the part exists and is restricted,
 * and the console never asks for it on their behalf.
 */
export function ProtectionCasework({ referralId }: { referralId: string }) {
  const { t } = useTranslation("casework");
  const can = useCapabilities();
  const found = useReferralCase<ProtectionCase>("protection", referralId, (item) =>
    can.protectionRestricted ? item : withoutRestrictedParts(item),
  );
  const referral = useRpcQuery("inbox", "GetReferral", { referralId }, { retry: false });
  const [caseType, setCaseType] = useState<CaseType | "">("");
  if (found.isPending) return <Loading />;
  if (found.isError) return <CaseworkProblem error={found.error} />;
  const item = found.data;
  // A referral whose restricted sections are withheld from this viewer is served by a restricted
  // case they may not see: say so, and offer no case of their own for it.
  const withheld = (referral.data?.withheldDataCategories ?? []).length > 0;
  if (!item?.caseId && withheld && !can.protectionRestricted)
    return (
      <section className="casework-section restricted-notice">
        <h3 id="protection-restricted">{t("protection.restrictedCaseTitle")}</h3>
        <p>{t("protection.restrictedCaseNotice")}</p>
      </section>
    );
  if (!item?.caseId)
    return (
      <>
        {can.protectionRestricted ? null : <p className="hint">{t("protection.noneVisible")}</p>}
        <OpenCaseForm
          service="protection"
          referralId={referralId}
          extra={
            <div className="form-row">
              <SelectField
                label={t("protection.caseType")}
                value={caseType}
                onChange={setCaseType}
                options={CASE_TYPES}
                hint={t("protection.caseTypeHint")}
              />
            </div>
          }
          beforeSubmit={() => ({ fields: caseType ? { caseType } : {} })}
        />
      </>
    );
  const open = item.status === "CASE_STATUS_OPEN";
  return (
    <>
      <section className="casework-section">
        <h3 id="protection-case">{t("case.title")}</h3>
        <ProtectionFacts item={item} />
      </section>
      {can.protectionRestricted ? (
        <RestrictedWork caseId={item.caseId} open={open} />
      ) : (
        <section className="casework-section restricted-notice">
          <h3 id="protection-restricted">{t("protection.riskAndSafety")}</h3>
          <p>{t("protection.restrictedNotice")}</p>
        </section>
      )}
      {can.supervises && open ? <AssignForm item={item} /> : null}
      <CloseCaseForm service="protection" caseId={item.caseId} open={open} />
    </>
  );
}

function ProtectionFacts({ item }: { item: ProtectionCase }) {
  const { t } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const staffName = useStaffName();
  const can = useCapabilities();
  return (
    <CaseFacts item={item}>
      <dt>{t("protection.caseType")}</dt>
      <dd>{vocabulary(item.caseType)}</dd>
      <dt>{t("protection.restrictedCase")}</dt>
      <dd>{item.restricted ? t("form.yes") : t("form.no")}</dd>
      {can.protectionRestricted ? (
        <>
          <dt>{t("protection.riskLevel")}</dt>
          <dd>{vocabulary(item.riskLevel)}</dd>
        </>
      ) : null}
      {item.authorisedUserIds && item.authorisedUserIds.length > 0 ? (
        <>
          <dt>{t("protection.authorised")}</dt>
          <dd>
            {item.authorisedUserIds.map((id, index) => (
              <span key={id}>
                {index > 0 ? ", " : null}
                <bdi>{staffName(id)}</bdi>
              </span>
            ))}
          </dd>
        </>
      ) : null}
    </CaseFacts>
  );
}

function RestrictedWork({ caseId, open }: { caseId: string; open: boolean }) {
  const { t } = useTranslation("casework");
  const detail = useRpcQuery("protection", "GetCase", { caseId });
  if (detail.isPending) return <Loading />;
  if (detail.isError) return <CaseworkProblem error={detail.error} />;
  return (
    <>
      <section className="casework-section">
        <h3 id="protection-risk">{t("protection.riskAssessments")}</h3>
        <RiskTable rows={detail.data.riskAssessments ?? []} />
        {open ? <RiskForm caseId={caseId} /> : <p className="hint">{t("case.closedNoChanges")}</p>}
      </section>
      <section className="casework-section">
        <h3 id="protection-plan">{t("protection.safetyPlan")}</h3>
        <SafetyPlanView plans={detail.data.safetyPlans ?? []} />
        {open ? <SafetyPlanForm caseId={caseId} /> : null}
      </section>
    </>
  );
}

function RiskTable({ rows }: { rows: readonly RiskAssessment[] }) {
  const { t, i18n } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const staffName = useStaffName();
  const concerns = (row: RiskAssessment) =>
    formatList(
      (row.concerns ?? []).map((concern) => vocabulary(concern)),
      i18n.language,
    );
  const columns: Column<RiskAssessment>[] = [
    {
      key: "at",
      header: t("protection.assessedAt"),
      render: (row) => format.dateTime(row.assessedAt),
      value: (row) => row.assessedAt,
    },
    {
      key: "level",
      header: t("protection.riskLevel"),
      render: (row) => <span className="status">{vocabulary(row.riskLevel)}</span>,
      value: (row) => vocabulary(row.riskLevel),
    },
    { key: "concerns", header: t("protection.concerns"), render: concerns, value: concerns },
    {
      key: "summary",
      header: t("protection.summary"),
      render: (row) => (row.summary ? <span className="notes">{row.summary}</span> : "—"),
      value: (row) => row.summary,
    },
    {
      key: "review",
      header: t("protection.nextReview"),
      render: (row) => format.date(row.nextReviewAt),
      value: (row) => row.nextReviewAt,
    },
    {
      key: "by",
      header: t("protection.assessedBy"),
      render: (row) => <bdi>{staffName(row.assessedBy?.actorId)}</bdi>,
      value: (row) => staffName(row.assessedBy?.actorId),
    },
  ];
  return (
    <DataTable
      caption={t("protection.riskAssessments")}
      captionHidden
      exportName="risk-assessments"
      columns={columns}
      rows={rows}
      rowKey={(row) => row.assessmentId ?? ""}
      empty={t("protection.noRiskAssessments")}
    />
  );
}

function RiskForm({ caseId }: { caseId: string }) {
  const { t } = useTranslation("casework");
  const mutation = useRpcMutation("protection", "RecordRiskAssessment");
  const [level, setLevel] = useState<RiskLevel | "">("");
  const [concerns, setConcerns] = useState<ProtectionConcern[]>([]);
  const [summary, setSummary] = useState("");
  const [review, setReview] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string>();
  const error = (field: string) => errors[field] ?? fieldReasons(mutation.error, field);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const found: Record<string, string> = {};
    if (!level) found.riskLevel = t("form.chooseOne");
    const reviewAt = review ? localDateToInstant(review) : undefined;
    if (review && !reviewAt) found.nextReviewAt = t("form.invalidDate");
    setErrors(found);
    if (Object.keys(found).length > 0 || !level) return;
    mutation.mutate(
      {
        request: {
          requestId: crypto.randomUUID(),
          caseId,
          riskLevel: level,
          concerns,
          ...(summary.trim() ? { summary: summary.trim() } : {}),
          ...(reviewAt ? { nextReviewAt: reviewAt } : {}),
        },
      },
      {
        onSuccess: () => {
          setDone(t("protection.riskRecorded"));
          setLevel("");
          setConcerns([]);
          setSummary("");
          setReview("");
        },
      },
    );
  };
  return (
    <form onSubmit={submit} noValidate className="casework-form" aria-labelledby="protection-risk-form">
      <h4 id="protection-risk-form">{t("protection.recordRisk")}</h4>
      <div className="form-row">
        <SelectField
          label={t("protection.riskLevel")}
          value={level}
          onChange={setLevel}
          options={RISK_LEVELS}
          required
          error={error("riskLevel")}
        />
        <TextField
          label={t("protection.nextReview")}
          hint={t("protection.nextReviewHint")}
          type="date"
          value={review}
          onChange={setReview}
          error={error("nextReviewAt")}
        />
      </div>
      <CheckboxGroup
        legend={t("protection.concerns")}
        options={PROTECTION_CONCERNS}
        selected={concerns}
        onChange={setConcerns}
        error={error("concerns")}
      />
      <div className="form-row">
        <TextField
          label={t("protection.summary")}
          value={summary}
          onChange={setSummary}
          multiline
          maxLength={4000}
          error={error("summary")}
        />
      </div>
      <CaseworkProblem error={mutation.error} />
      <SubmitButton pending={mutation.isPending}>{t("protection.recordRisk")}</SubmitButton>
      <SuccessStatus message={done} />
    </form>
  );
}

function SafetyPlanView({ plans }: { plans: readonly SafetyPlan[] }) {
  const { t } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const staffName = useStaffName();
  const latest = plans[0];
  if (!latest) return <p className="empty">{t("protection.noSafetyPlan")}</p>;
  type Action = NonNullable<SafetyPlan["actions"]>[number] & { index: number };
  const columns: Column<Action>[] = [
    {
      key: "description",
      header: t("protection.actionDescription"),
      render: (row) => row.description,
      value: (row) => row.description,
    },
    {
      key: "responsible",
      header: t("protection.responsible"),
      render: (row) => vocabulary(row.responsible),
      value: (row) => vocabulary(row.responsible),
    },
    {
      key: "due",
      header: t("protection.due"),
      render: (row) => format.date(row.dueAt),
      value: (row) => row.dueAt,
    },
    {
      key: "done",
      header: t("protection.done"),
      render: (row) => (row.done ? t("form.yes") : t("form.no")),
      value: (row) => (row.done ? t("form.yes") : t("form.no")),
    },
  ];
  return (
    <>
      <p>
        <Trans
          t={t}
          i18nKey={latest.reviewAt ? "protection.planVersion" : "protection.planVersionNoReview"}
          values={{
            version: plans.length,
            created: format.dateTime(latest.createdAt),
            review: format.date(latest.reviewAt),
            by: staffName(latest.createdBy?.actorId),
          }}
          components={{ who: <bdi /> }}
        />
      </p>
      <DataTable
        caption={t("protection.planActions")}
        exportName="safety-plan"
        columns={columns}
        rows={(latest.actions ?? []).map((action, index) => ({ ...action, index }))}
        rowKey={(row) => String(row.index)}
      />
      {latest.notes ? (
        <>
          <h4>{t("protection.planNotes")}</h4>
          <p className="notes">{latest.notes}</p>
        </>
      ) : null}
    </>
  );
}

interface DraftAction {
  key: string;
  description: string;
  responsible: SafetyPlanResponsible | "";
  due: string;
  done: boolean;
}

const emptyAction = (): DraftAction => ({
  key: crypto.randomUUID(),
  description: "",
  responsible: "",
  due: "",
  done: false,
});

function SafetyPlanForm({ caseId }: { caseId: string }) {
  const { t } = useTranslation("casework");
  const mutation = useRpcMutation("protection", "AddSafetyPlan");
  const [actions, setActions] = useState<DraftAction[]>(() => [emptyAction()]);
  const [notes, setNotes] = useState("");
  const [review, setReview] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string>();
  const error = (field: string) => errors[field] ?? fieldReasons(mutation.error, field);
  const update = (key: string, change: Partial<DraftAction>) =>
    setActions((all) => all.map((action) => (action.key === key ? { ...action, ...change } : action)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const found: Record<string, string> = {};
    actions.forEach((action, index) => {
      if (!action.description.trim()) found[`actions[${index}].description`] = t("form.fillIn");
      if (!action.responsible) found[`actions[${index}].responsible`] = t("form.chooseOne");
      if (action.due && !localDateToInstant(action.due))
        found[`actions[${index}].dueAt`] = t("form.invalidDate");
    });
    const reviewAt = review ? localDateToInstant(review) : undefined;
    if (review && !reviewAt) found.reviewAt = t("form.invalidDate");
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    mutation.mutate(
      {
        request: {
          requestId: crypto.randomUUID(),
          caseId,
          actions: actions.map((action) => {
            const due = localDateToInstant(action.due);
            return {
              description: action.description.trim(),
              ...(action.responsible ? { responsible: action.responsible } : {}),
              ...(due ? { dueAt: due } : {}),
              done: action.done,
            };
          }),
          ...(notes.trim() ? { notes: notes.trim() } : {}),
          ...(reviewAt ? { reviewAt } : {}),
        },
      },
      {
        onSuccess: () => {
          setDone(t("protection.planSaved"));
          setActions([emptyAction()]);
          setNotes("");
          setReview("");
        },
      },
    );
  };
  return (
    <form onSubmit={submit} noValidate className="casework-form" aria-labelledby="protection-plan-form">
      <h4 id="protection-plan-form">{t("protection.addPlan")}</h4>
      <p className="hint">{t("protection.addPlanHint")}</p>
      {actions.map((action, index) => (
        <fieldset key={action.key} className="plan-action">
          <legend>{t("protection.actionNumber", { number: index + 1 })}</legend>
          <div className="form-row">
            <TextField
              label={t("protection.actionDescription")}
              value={action.description}
              onChange={(description) => update(action.key, { description })}
              required
              maxLength={1000}
              error={error(`actions[${index}].description`)}
            />
            <SelectField
              label={t("protection.responsible")}
              value={action.responsible}
              onChange={(responsible) => update(action.key, { responsible })}
              options={SAFETY_PLAN_RESPONSIBLES}
              required
              error={error(`actions[${index}].responsible`)}
            />
            <TextField
              label={t("protection.due")}
              type="date"
              value={action.due}
              onChange={(due) => update(action.key, { due })}
              error={error(`actions[${index}].dueAt`)}
            />
            <CheckboxField
              label={t("protection.done")}
              checked={action.done}
              onChange={(checked) => update(action.key, { done: checked })}
            />
            {actions.length > 1 ? (
              <button
                type="button"
                className="button secondary"
                onClick={() => setActions((all) => all.filter((other) => other.key !== action.key))}
              >
                {t("protection.removeAction", { number: index + 1 })}
              </button>
            ) : null}
          </div>
        </fieldset>
      ))}
      <p>
        <button
          type="button"
          className="button secondary"
          onClick={() => setActions((all) => [...all, emptyAction()])}
        >
          {t("protection.addAction")}
        </button>
      </p>
      <div className="form-row">
        <TextField
          label={t("protection.planNotes")}
          hint={t("protection.planNotesHint")}
          value={notes}
          onChange={setNotes}
          multiline
          maxLength={4000}
          error={error("notes")}
        />
        <TextField
          label={t("protection.reviewAt")}
          type="date"
          value={review}
          onChange={setReview}
          error={error("reviewAt")}
        />
      </div>
      <CaseworkProblem error={mutation.error} />
      <SubmitButton pending={mutation.isPending}>{t("protection.addPlan")}</SubmitButton>
      <SuccessStatus message={done} />
    </form>
  );
}

function AssignForm({ item }: { item: ProtectionCase }) {
  const { t } = useTranslation("casework");
  const session = useSession();
  const colleagues = useColleagues();
  const staffName = useStaffName();
  const mutation = useRpcMutation("protection", "AssignCase");
  const [assignee, setAssignee] = useState(item.assignedCaseworkerId ?? "");
  const [authorised, setAuthorised] = useState<string[]>(item.authorisedUserIds ?? []);
  const [authorisedText, setAuthorisedText] = useState((item.authorisedUserIds ?? []).join("\n"));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string>();
  const error = (field: string) => errors[field] ?? fieldReasons(mutation.error, field);
  // Colleagues are picked by name from the staff directory; without it, staff ids are typed.
  const known = colleagues.data;
  const staffIds = known
    ? [...new Set([...known.map((colleague) => colleague.staffId), ...(item.authorisedUserIds ?? [])])]
    : [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const found: Record<string, string> = {};
    if (!assignee.trim()) found.assignedCaseworkerId = known ? t("form.chooseOne") : t("form.fillIn");
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    mutation.mutate(
      {
        request: {
          caseId: item.caseId ?? "",
          assignedCaseworkerId: assignee.trim(),
          authorisedUserIds: known ? authorised : parseStaffIds(authorisedText),
        },
      },
      { onSuccess: () => setDone(t("protection.assigned")) },
    );
  };
  return (
    <section className="casework-section">
      <h3 id="protection-assign">{t("protection.assignTitle")}</h3>
      <form onSubmit={submit} noValidate className="casework-form">
        <div className="form-row">
          {known ? (
            <SelectField
              label={t("protection.assigneeByName")}
              value={assignee}
              onChange={setAssignee}
              options={staffIds}
              labelOf={(staffId) => staffName(staffId)}
              required
              error={error("assignedCaseworkerId")}
            />
          ) : (
            <TextField
              label={t("protection.assignee")}
              hint={t("protection.assigneeHint")}
              value={assignee}
              onChange={setAssignee}
              required
              dir="ltr"
              error={error("assignedCaseworkerId")}
            />
          )}
          <button type="button" className="button secondary" onClick={() => setAssignee(session.staffId)}>
            {t("protection.assignToMe")}
          </button>
        </div>
        {item.restricted ? (
          known ? (
            <fieldset className="checkbox-group">
              <legend>{t("protection.authorised")}</legend>
              <div className="checkbox-grid">
                {staffIds
                  .filter((staffId) => staffId !== assignee)
                  .map((staffId) => (
                    <CheckboxField
                      key={staffId}
                      label={staffName(staffId)}
                      checked={authorised.includes(staffId)}
                      onChange={(checked) =>
                        setAuthorised((all) =>
                          checked ? [...all, staffId] : all.filter((other) => other !== staffId),
                        )
                      }
                    />
                  ))}
              </div>
              {error("authorisedUserIds") ? (
                <span className="field-error">{error("authorisedUserIds")}</span>
              ) : null}
            </fieldset>
          ) : (
            <div className="form-row">
              <TextField
                label={t("protection.authorised")}
                hint={t("protection.authorisedHint")}
                value={authorisedText}
                onChange={setAuthorisedText}
                multiline
                dir="ltr"
                error={error("authorisedUserIds")}
              />
            </div>
          )
        ) : null}
        <CaseworkProblem error={mutation.error} />
        <SubmitButton pending={mutation.isPending}>{t("protection.assign")}</SubmitButton>
        <SuccessStatus message={done} />
      </form>
    </section>
  );
}
