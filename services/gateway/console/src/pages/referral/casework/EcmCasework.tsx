import type { components } from "@kopru/contracts/openapi/console-api";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { useRpcMutation, useRpcQuery } from "../../../api/hooks.js";
import { useCapabilities, useSession } from "../../../api/session.js";
import { type Column, DataTable } from "../../../components/DataTable.js";
import { Loading } from "../../../components/Page.js";
import { useFormat } from "../../../format.js";
import { useVocabulary } from "../../../i18n/vocabulary.js";
import {
  type AssistanceAction,
  type AssistanceItem,
  approvalBlock,
  assistanceActions,
  needsPaymentChannel,
  pendingItems,
} from "./assistance.js";
import { CaseFacts, CloseCaseForm, OpenCaseForm, useReferralCase, useStaffName } from "./Case.js";
import { CaseworkProblem } from "./CaseworkProblem.js";
import {
  ASSISTANCE_KINDS,
  type AssistanceKind,
  NEED_SEVERITIES,
  type NeedSeverity,
  PAYMENT_CHANNELS,
  type PaymentChannel,
} from "./enums.js";
import { CheckboxGroup, MoneyField, SelectField, SubmitButton, SuccessStatus, TextField } from "./Form.js";
import { fieldReasons, localDateTimeToInstant, nowLocalDateTime } from "./fields.js";
import { formatList } from "./list.js";
import { amountExample, amountInputText, DEFAULT_CURRENCY, formatMoney, parseAmount } from "./money.js";

type Schema = components["schemas"];
type EcmCase = Schema["kopru.ecm.v1.EcmCase"];
type Assessment = Schema["kopru.ecm.v1.EcmAssessment"];

/** ECM case work: assessments, assistance items with their approval, delivery and cancellation. */
export function EcmCasework({ referralId }: { referralId: string }) {
  const found = useReferralCase<EcmCase>("ecm", referralId);
  if (found.isPending) return <Loading />;
  if (found.isError) return <CaseworkProblem error={found.error} />;
  if (!found.data?.caseId) return <OpenCaseForm service="ecm" referralId={referralId} />;
  return <EcmCaseView caseId={found.data.caseId} referralId={referralId} />;
}

function EcmCaseView({ caseId, referralId }: { caseId: string; referralId: string }) {
  const { t } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const detail = useRpcQuery("ecm", "GetCase", { caseId });
  if (detail.isPending) return <Loading />;
  if (detail.isError) return <CaseworkProblem error={detail.error} />;
  const item = detail.data.ecmCase ?? {};
  const open = item.status === "CASE_STATUS_OPEN";
  const items = detail.data.assistanceItems ?? [];
  const pending = pendingItems(items);
  return (
    <>
      <section className="casework-section">
        <h3 id="ecm-case">{t("case.title")}</h3>
        <CaseFacts item={item}>
          <dt>{t("ecm.latestSeverity")}</dt>
          <dd>{vocabulary(item.latestAssessment?.severity)}</dd>
        </CaseFacts>
      </section>
      <section className="casework-section">
        <h3 id="ecm-assessments">{t("ecm.assessments")}</h3>
        <AssessmentsTable assessments={detail.data.assessments ?? []} />
        {open ? <AssessmentForm caseId={caseId} /> : <p className="hint">{t("case.closedNoChanges")}</p>}
      </section>
      <section className="casework-section">
        <h3 id="ecm-items" tabIndex={-1}>
          {t("ecm.items")}
        </h3>
        <ItemsTable items={items} caseOpen={open} />
        {open ? <AddItemForm caseId={caseId} referralId={referralId} /> : null}
      </section>
      <CloseCaseForm
        service="ecm"
        caseId={caseId}
        open={open}
        blockedBy={pending.length > 0 ? t("ecm.closeBlocked", { count: pending.length }) : undefined}
      />
    </>
  );
}

function AssessmentsTable({ assessments }: { assessments: readonly Assessment[] }) {
  const { t, i18n } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const staffName = useStaffName();
  const needs = (row: Assessment) =>
    formatList(
      (row.needsIdentified ?? []).map((need) => vocabulary(need)),
      i18n.language,
    );
  const columns: Column<Assessment>[] = [
    {
      key: "assessedAt",
      header: t("ecm.assessedAt"),
      render: (row) => format.dateTime(row.assessedAt),
      value: (row) => row.assessedAt,
    },
    {
      key: "severity",
      header: t("ecm.severity"),
      render: (row) => vocabulary(row.severity),
      value: (row) => vocabulary(row.severity),
    },
    { key: "needs", header: t("ecm.needs"), render: needs, value: needs },
    {
      key: "summary",
      header: t("ecm.summary"),
      render: (row) => (row.summary ? <span className="notes">{row.summary}</span> : "—"),
      value: (row) => row.summary,
    },
    {
      key: "by",
      header: t("ecm.assessedBy"),
      render: (row) => <bdi>{staffName(row.assessedBy?.actorId)}</bdi>,
      value: (row) => staffName(row.assessedBy?.actorId),
    },
  ];
  return (
    <DataTable
      caption={t("ecm.assessments")}
      captionHidden
      exportName="ecm-assessments"
      columns={columns}
      rows={assessments}
      rowKey={(row) => row.assessmentId ?? ""}
      empty={t("ecm.noAssessments")}
    />
  );
}

function AssessmentForm({ caseId }: { caseId: string }) {
  const { t } = useTranslation("casework");
  const mutation = useRpcMutation("ecm", "RecordAssessment");
  const [needs, setNeeds] = useState<AssistanceKind[]>([]);
  const [severity, setSeverity] = useState<NeedSeverity | "">("");
  const [summary, setSummary] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string>();
  const error = (field: string) => errors[field] ?? fieldReasons(mutation.error, field);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const found: Record<string, string> = {};
    if (needs.length === 0) found.needsIdentified = t("form.chooseAtLeastOne");
    if (!severity) found.severity = t("form.chooseOne");
    setErrors(found);
    if (Object.keys(found).length > 0 || !severity) return;
    mutation.mutate(
      {
        request: {
          requestId: crypto.randomUUID(),
          caseId,
          needsIdentified: needs,
          severity,
          ...(summary.trim() ? { summary: summary.trim() } : {}),
        },
      },
      {
        onSuccess: () => {
          setDone(t("ecm.assessmentRecorded"));
          setNeeds([]);
          setSeverity("");
          setSummary("");
        },
      },
    );
  };
  return (
    <form onSubmit={submit} noValidate className="casework-form" aria-labelledby="ecm-assessment-form">
      <h4 id="ecm-assessment-form">{t("ecm.recordAssessment")}</h4>
      <CheckboxGroup
        legend={t("ecm.needs")}
        options={ASSISTANCE_KINDS}
        selected={needs}
        onChange={setNeeds}
        required
        error={error("needsIdentified")}
      />
      <div className="form-row">
        <SelectField
          label={t("ecm.severity")}
          value={severity}
          onChange={setSeverity}
          options={NEED_SEVERITIES}
          required
          error={error("severity")}
        />
        <TextField
          label={t("ecm.summary")}
          hint={t("ecm.summaryHint")}
          value={summary}
          onChange={setSummary}
          multiline
          maxLength={4000}
          error={error("summary")}
        />
      </div>
      <CaseworkProblem error={mutation.error} />
      <SubmitButton pending={mutation.isPending}>{t("ecm.recordAssessment")}</SubmitButton>
      <SuccessStatus message={done} />
    </form>
  );
}

function ItemsTable({ items, caseOpen }: { items: readonly AssistanceItem[]; caseOpen: boolean }) {
  const { t, i18n } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const staffName = useStaffName();
  const session = useSession();
  const can = useCapabilities();
  const viewer = { staffId: session.staffId, approvesEcm: can.approvesEcm };
  const [selected, setSelected] = useState<{ item: AssistanceItem; action: "deliver" | "cancel" }>();
  const approve = useRpcMutation("ecm", "ApproveAssistanceItem");
  const [done, setDone] = useState<string>();

  // Back from the inline form, keyboard focus returns to the items' heading (the form is gone).
  const closeForm = (message?: string) => {
    setSelected(undefined);
    if (message) setDone(message);
    document.getElementById("ecm-items")?.focus();
  };

  const act = (item: AssistanceItem, action: AssistanceAction) => {
    setDone(undefined);
    if (action === "approve") {
      setSelected(undefined);
      approve.mutate(
        { request: { assistanceItemId: item.assistanceItemId ?? "" } },
        { onSuccess: () => setDone(t("ecm.approved")) },
      );
    } else setSelected({ item, action });
  };

  const columns: Column<AssistanceItem>[] = [
    {
      key: "status",
      header: t("ecm.itemStatus"),
      render: (row) => <span className="status">{vocabulary(row.status)}</span>,
      value: (row) => vocabulary(row.status),
    },
    {
      key: "item",
      header: t("ecm.item"),
      render: (row) => (
        <>
          <strong>{vocabulary(row.kind)}</strong>
          {row.paymentChannel ? <div>{vocabulary(row.paymentChannel)}</div> : null}
          {row.description ? <div>{row.description}</div> : null}
        </>
      ),
      value: (row) =>
        [
          vocabulary(row.kind),
          row.paymentChannel ? vocabulary(row.paymentChannel) : "",
          row.description ?? "",
        ]
          .filter(Boolean)
          .join(" — "),
    },
    {
      key: "amount",
      header: t("assistance.amount"),
      numeric: true,
      render: (row) => formatMoney(row.amount, i18n.language),
      value: (row) => formatMoney(row.amount, i18n.language),
    },
    {
      key: "history",
      header: t("ecm.history"),
      render: (row) => (
        <ul className="item-history">
          {historyOf(row).map((step) => (
            <li key={step.kind}>
              <Trans
                t={t}
                i18nKey={`ecm.step.${step.kind}`}
                values={{ date: format.dateTime(step.at), by: staffName(step.by) }}
                components={{ who: <bdi /> }}
              />
            </li>
          ))}
        </ul>
      ),
      value: (row) =>
        historyOf(row)
          .map((step) => `${step.kind} ${step.at}${step.by ? ` ${staffName(step.by)}` : ""}`)
          .join("; "),
    },
    {
      key: "actions",
      header: t("ecm.actions"),
      render: (row) => {
        const actions = assistanceActions(row, viewer, caseOpen);
        const block = caseOpen ? approvalBlock(row, viewer) : undefined;
        return (
          <div className="row-actions">
            {actions.map((action) => (
              <button
                key={action}
                type="button"
                className={action === "cancel" ? "button secondary" : "button"}
                disabled={approve.isPending}
                onClick={() => act(row, action)}
              >
                <Trans
                  t={t}
                  i18nKey={`ecm.actionLabel.${action}`}
                  values={{ kind: vocabulary(row.kind), amount: formatMoney(row.amount, i18n.language) }}
                  components={{ context: <span className="visually-hidden" /> }}
                />
              </button>
            ))}
            {block ? <span className="hint">{t(`ecm.approvalBlock.${block}`)}</span> : null}
          </div>
        );
      },
    },
  ];
  return (
    <>
      <DataTable
        caption={t("ecm.items")}
        captionHidden
        exportName="ecm-assistance-items"
        columns={columns}
        rows={items}
        rowKey={(row) => row.assistanceItemId ?? ""}
        empty={t("ecm.noItems")}
      />
      <CaseworkProblem error={approve.error} />
      {selected ? (
        selected.action === "deliver" ? (
          <DeliverForm
            key={selected.item.assistanceItemId}
            item={selected.item}
            onDone={closeForm}
            onCancel={() => closeForm()}
          />
        ) : (
          <CancelItemForm
            key={selected.item.assistanceItemId}
            item={selected.item}
            onDone={closeForm}
            onCancel={() => closeForm()}
          />
        )
      ) : null}
      <SuccessStatus message={done} />
    </>
  );
}

/** Moves keyboard focus into a form that opened below the table (its first field). */
function useFocusOnOpen() {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    form.current?.querySelector<HTMLElement>("input, select, textarea")?.focus();
  }, []);
  return form;
}

/** An item's steps so far, oldest first (who planned and approved it; when it ended). */
function historyOf(item: AssistanceItem): { kind: string; at: string; by?: string | undefined }[] {
  const steps: { kind: string; at: string | undefined; by?: string | undefined }[] = [
    { kind: "planned", at: item.plannedAt, by: item.plannedBy?.actorId },
    { kind: "approved", at: item.approvedAt, by: item.approvedBy?.actorId },
    { kind: "delivered", at: item.deliveredAt },
    { kind: "cancelled", at: item.cancelledAt },
  ];
  return steps.filter((step): step is { kind: string; at: string; by?: string | undefined } => !!step.at);
}

function DeliverForm({
  item,
  onDone,
  onCancel,
}: {
  item: AssistanceItem;
  onDone(message: string): void;
  onCancel(): void;
}) {
  const { t, i18n } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const headingId = useId();
  const formRef = useFocusOnOpen();
  const mutation = useRpcMutation("ecm", "MarkAssistanceDelivered");
  const currency = item.amount?.currency || DEFAULT_CURRENCY;
  const [amount, setAmount] = useState(
    item.amount?.amountMinor ? amountInputText(item.amount.amountMinor, currency, i18n.language) : "",
  );
  const [deliveredAt, setDeliveredAt] = useState(nowLocalDateTime);
  // Left as shown, the time is "now" and the service stamps it to the second (a minute-precision
  // value could fall before an approval given within the same minute).
  const [timeChanged, setTimeChanged] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const error = (field: string) => errors[field] ?? fieldReasons(mutation.error, field);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    const parsed = parseAmount(amount, currency, i18n.language);
    if (!parsed.ok && parsed.reason !== "empty") found.deliveredAmount = t(`money.${parsed.reason}`);
    if (parsed.ok && item.amount?.amountMinor && BigInt(parsed.amountMinor) > BigInt(item.amount.amountMinor))
      found.deliveredAmount = t("ecm.deliveredAtMost", { amount: formatMoney(item.amount, i18n.language) });
    const at = timeChanged ? localDateTimeToInstant(deliveredAt) : new Date().toISOString();
    if (!at) found.deliveredAt = t("form.invalidDate");
    else if (new Date(at).getTime() > Date.now() + 5 * 60_000) found.deliveredAt = t("form.notInFuture");
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const differs = parsed.ok && parsed.amountMinor !== item.amount?.amountMinor;
    mutation.mutate(
      {
        request: {
          assistanceItemId: item.assistanceItemId ?? "",
          ...(timeChanged && at ? { deliveredAt: at } : {}),
          ...(differs && parsed.ok ? { deliveredAmount: { amountMinor: parsed.amountMinor, currency } } : {}),
        },
      },
      { onSuccess: () => onDone(t("ecm.delivered")) },
    );
  };
  return (
    <form
      ref={formRef}
      onSubmit={submit}
      noValidate
      className="casework-form inline-form"
      aria-labelledby={headingId}
    >
      <h4 id={headingId}>
        {t("ecm.deliverTitle", {
          kind: vocabulary(item.kind),
          amount: formatMoney(item.amount, i18n.language),
        })}
      </h4>
      <div className="form-row">
        <TextField
          label={t("ecm.deliveredAmount", { currency })}
          hint={t("ecm.deliveredAmountHint")}
          value={amount}
          onChange={setAmount}
          inputMode="decimal"
          dir="ltr"
          error={error("deliveredAmount")}
        />
        <TextField
          label={t("ecm.deliveredAt")}
          type="datetime-local"
          value={deliveredAt}
          onChange={(value) => {
            setDeliveredAt(value);
            setTimeChanged(true);
          }}
          max={nowLocalDateTime()}
          required
          error={error("deliveredAt")}
        />
      </div>
      <CaseworkProblem error={mutation.error} />
      <div className="form-actions">
        <SubmitButton pending={mutation.isPending}>{t("ecm.action.deliver")}</SubmitButton>
        <button type="button" className="button secondary" onClick={onCancel}>
          {t("form.back")}
        </button>
      </div>
    </form>
  );
}

function CancelItemForm({
  item,
  onDone,
  onCancel,
}: {
  item: AssistanceItem;
  onDone(message: string): void;
  onCancel(): void;
}) {
  const { t, i18n } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const headingId = useId();
  const formRef = useFocusOnOpen();
  const mutation = useRpcMutation("ecm", "CancelAssistanceItem");
  const [note, setNote] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate(
      {
        request: {
          assistanceItemId: item.assistanceItemId ?? "",
          ...(note.trim() ? { internalNote: note.trim() } : {}),
        },
      },
      { onSuccess: () => onDone(t("ecm.cancelled")) },
    );
  };
  return (
    <form
      ref={formRef}
      onSubmit={submit}
      noValidate
      className="casework-form inline-form"
      aria-labelledby={headingId}
    >
      <h4 id={headingId}>
        {t("ecm.cancelTitle", {
          kind: vocabulary(item.kind),
          amount: formatMoney(item.amount, i18n.language),
        })}
      </h4>
      <div className="form-row">
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
      <div className="form-actions">
        <button type="submit" className="button danger" disabled={mutation.isPending}>
          {mutation.isPending ? t("form.saving") : t("ecm.action.cancel")}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          {t("form.back")}
        </button>
      </div>
    </form>
  );
}

function AddItemForm({ caseId, referralId }: { caseId: string; referralId: string }) {
  const { t, i18n } = useTranslation("casework");
  const mutation = useRpcMutation("ecm", "AddAssistanceItem");
  const [kind, setKind] = useState<AssistanceKind | "">("");
  const [amount, setAmount] = useState("");
  const [currency, setCurrency] = useState(DEFAULT_CURRENCY);
  const [channel, setChannel] = useState<PaymentChannel | "">("");
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string>();
  const error = (field: string) => errors[field] ?? fieldReasons(mutation.error, field);
  const cash = needsPaymentChannel(kind);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const found: Record<string, string> = {};
    if (!kind) found.kind = t("form.chooseOne");
    const parsed = parseAmount(amount, currency, i18n.language);
    if (!parsed.ok && (parsed.reason !== "empty" || cash)) found.amount = t(`money.${parsed.reason}`);
    if (parsed.ok && cash && /^0+$/.test(parsed.amountMinor)) found.amount = t("money.positive");
    if (cash && !channel) found.paymentChannel = t("form.chooseOne");
    setErrors(found);
    if (Object.keys(found).length > 0 || !kind) return;
    mutation.mutate(
      {
        request: {
          requestId: crypto.randomUUID(),
          caseId,
          referralId,
          kind,
          ...(parsed.ok ? { amount: { amountMinor: parsed.amountMinor, currency } } : {}),
          ...(cash && channel ? { paymentChannel: channel } : {}),
          ...(description.trim() ? { description: description.trim() } : {}),
        },
      },
      {
        onSuccess: () => {
          setDone(t("ecm.itemPlanned"));
          setKind("");
          setAmount("");
          setChannel("");
          setDescription("");
        },
      },
    );
  };
  return (
    <form onSubmit={submit} noValidate className="casework-form" aria-labelledby="ecm-item-form">
      <h4 id="ecm-item-form">{t("ecm.addItem")}</h4>
      <p className="hint">{t("ecm.addItemHint")}</p>
      <div className="form-row">
        <SelectField
          label={t("assistance.kind")}
          value={kind}
          onChange={setKind}
          options={ASSISTANCE_KINDS}
          required
          error={error("kind")}
        />
        {cash ? (
          <SelectField
            label={t("ecm.paymentChannel")}
            value={channel}
            onChange={setChannel}
            options={PAYMENT_CHANNELS}
            required
            error={error("paymentChannel")}
          />
        ) : null}
      </div>
      <MoneyField
        label={cash ? t("assistance.amount") : t("assistance.cost")}
        hint={t("money.hint", { example: amountExample(i18n.language) })}
        amount={amount}
        currency={currency}
        onAmount={setAmount}
        onCurrency={setCurrency}
        required={cash}
        error={error("amount")}
      />
      <div className="form-row">
        <TextField
          label={t("assistance.description")}
          hint={t("assistance.descriptionHint")}
          value={description}
          onChange={setDescription}
          maxLength={500}
          error={error("description")}
        />
      </div>
      <CaseworkProblem error={mutation.error} />
      <SubmitButton pending={mutation.isPending}>{t("ecm.addItem")}</SubmitButton>
      <SuccessStatus message={done} />
    </form>
  );
}
