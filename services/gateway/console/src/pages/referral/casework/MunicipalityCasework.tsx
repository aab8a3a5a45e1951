import type { components } from "@kopru/contracts/openapi/console-api";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useRpcMutation, useRpcQuery } from "../../../api/hooks.js";
import { type Column, DataTable } from "../../../components/DataTable.js";
import { Loading } from "../../../components/Page.js";
import { useFormat } from "../../../format.js";
import { useVocabulary } from "../../../i18n/vocabulary.js";
import { CaseFacts, CloseCaseForm, OpenCaseForm, useReferralCase, useStaffName } from "./Case.js";
import { CaseworkProblem } from "./CaseworkProblem.js";
import {
  ASSISTANCE_KINDS,
  type AssistanceKind,
  COUNSELLING_TOPICS,
  type CounsellingTopic,
  SESSION_MODALITIES,
  SESSION_TYPES,
  type SessionModality,
  type SessionType,
} from "./enums.js";
import {
  CheckboxField,
  CheckboxGroup,
  MoneyField,
  SelectField,
  SubmitButton,
  SuccessStatus,
  TextField,
} from "./Form.js";
import { fieldReasons, localDateTimeToInstant, nowLocalDateTime, parseCount } from "./fields.js";
import { INTERPRETER_LANGUAGES, languageName } from "./languages.js";
import { formatList } from "./list.js";
import { amountExample, DEFAULT_CURRENCY, formatMoney, parseAmount, sumMinor } from "./money.js";

type Schema = components["schemas"];
type MunicipalityCase = Schema["kopru.municipality.v1.MunicipalityCase"];
type Session = Schema["kopru.municipality.v1.CounsellingSession"];
type Assistance = Schema["kopru.municipality.v1.DirectAssistance"];

const MAX_SESSION_MINUTES = 480;

/** MMCC case work: the referral's case, its counselling sessions and direct assistance, closing it. */
export function MunicipalityCasework({ referralId }: { referralId: string }) {
  const found = useReferralCase<MunicipalityCase>("municipality", referralId);
  if (found.isPending) return <Loading />;
  if (found.isError) return <CaseworkProblem error={found.error} />;
  if (!found.data?.caseId) return <OpenCaseForm service="municipality" referralId={referralId} />;
  return <MunicipalityCase caseId={found.data.caseId} referralId={referralId} />;
}

function MunicipalityCase({ caseId, referralId }: { caseId: string; referralId: string }) {
  const { t } = useTranslation("casework");
  const detail = useRpcQuery("municipality", "GetCase", { caseId });
  if (detail.isPending) return <Loading />;
  if (detail.isError) return <CaseworkProblem error={detail.error} />;
  const item = detail.data.municipalityCase ?? {};
  const open = item.status === "CASE_STATUS_OPEN";
  const sessions = detail.data.counsellingSessions ?? [];
  const assistance = detail.data.directAssistance ?? [];
  return (
    <>
      <section className="casework-section">
        <h3 id="mmcc-case">{t("case.title")}</h3>
        <CaseFacts item={item}>
          <dt>{t("municipality.sessionCount")}</dt>
          <dd>{sessions.length}</dd>
        </CaseFacts>
      </section>
      <section className="casework-section">
        <h3 id="mmcc-sessions">{t("municipality.sessions")}</h3>
        <SessionsTable sessions={sessions} />
        {open ? <SessionForm caseId={caseId} /> : <p className="hint">{t("case.closedNoChanges")}</p>}
      </section>
      <section className="casework-section">
        <h3 id="mmcc-assistance">{t("municipality.assistance")}</h3>
        <AssistanceTable items={assistance} />
        {open ? <AssistanceForm caseId={caseId} referralId={referralId} /> : null}
      </section>
      <CloseCaseForm service="municipality" caseId={caseId} open={open} />
    </>
  );
}

function SessionsTable({ sessions }: { sessions: readonly Session[] }) {
  const { t, i18n } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const staffName = useStaffName();
  const topics = (row: Session) =>
    formatList(
      (row.topics ?? []).map((topic) => vocabulary(topic)),
      i18n.language,
    );
  const interpreter = (row: Session) =>
    row.interpreterUsed
      ? t("municipality.interpreterIn", {
          language: languageName(row.interpreterLanguage ?? "", i18n.language),
        })
      : t("form.no");
  const columns: Column<Session>[] = [
    {
      key: "heldAt",
      header: t("municipality.heldAt"),
      render: (row) => format.dateTime(row.heldAt),
      value: (row) => row.heldAt,
    },
    {
      key: "type",
      header: t("municipality.sessionType"),
      render: (row) => vocabulary(row.sessionType),
      value: (row) => vocabulary(row.sessionType),
    },
    {
      key: "modality",
      header: t("municipality.modality"),
      render: (row) => vocabulary(row.modality),
      value: (row) => vocabulary(row.modality),
    },
    { key: "topics", header: t("municipality.topics"), render: topics, value: topics },
    {
      key: "duration",
      header: t("municipality.duration"),
      numeric: true,
      render: (row) => format.duration((row.durationMinutes ?? 0) * 60),
      value: (row) => row.durationMinutes,
    },
    { key: "interpreter", header: t("municipality.interpreter"), render: interpreter, value: interpreter },
    {
      key: "counsellor",
      header: t("municipality.counsellor"),
      render: (row) => <bdi>{staffName(row.counsellor?.actorId)}</bdi>,
      value: (row) => staffName(row.counsellor?.actorId),
    },
    {
      key: "notes",
      header: t("municipality.notes"),
      render: (row) => (row.notes ? <span className="notes">{row.notes}</span> : "—"),
      value: (row) => row.notes,
    },
  ];
  return (
    <DataTable
      caption={t("municipality.sessions")}
      captionHidden
      exportName="counselling-sessions"
      columns={columns}
      rows={sessions}
      rowKey={(row) => row.sessionId ?? ""}
      empty={t("municipality.noSessions")}
    />
  );
}

function SessionForm({ caseId }: { caseId: string }) {
  const { t, i18n } = useTranslation("casework");
  const mutation = useRpcMutation("municipality", "RecordCounsellingSession");
  const [sessionType, setSessionType] = useState<SessionType | "">("");
  const [modality, setModality] = useState<SessionModality | "">("");
  const [topics, setTopics] = useState<CounsellingTopic[]>([]);
  const [interpreterUsed, setInterpreterUsed] = useState(false);
  const [interpreterLanguage, setInterpreterLanguage] = useState("");
  const [duration, setDuration] = useState("");
  const [heldAt, setHeldAt] = useState(nowLocalDateTime);
  const [notes, setNotes] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string>();

  const error = (field: string) => errors[field] ?? fieldReasons(mutation.error, field);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const minutes = parseCount(duration);
    const held = localDateTimeToInstant(heldAt);
    const found: Record<string, string> = {};
    if (!sessionType) found.sessionType = t("form.chooseOne");
    if (!modality) found.modality = t("form.chooseOne");
    if (topics.length === 0) found.topics = t("form.chooseAtLeastOne");
    if (interpreterUsed && !interpreterLanguage) found.interpreterLanguage = t("form.chooseOne");
    if (minutes === undefined || minutes < 1 || minutes > MAX_SESSION_MINUTES)
      found.durationMinutes = t("municipality.durationRange", { max: MAX_SESSION_MINUTES });
    if (!held) found.heldAt = t("form.invalidDate");
    else if (new Date(held).getTime() > Date.now() + 5 * 60_000) found.heldAt = t("form.notInFuture");
    setErrors(found);
    if (Object.keys(found).length > 0 || !sessionType || !modality || minutes === undefined) return;
    mutation.mutate(
      {
        request: {
          requestId: crypto.randomUUID(),
          caseId,
          sessionType,
          modality,
          topics,
          interpreterUsed,
          ...(interpreterUsed ? { interpreterLanguage } : {}),
          durationMinutes: minutes,
          ...(held ? { heldAt: held } : {}),
          ...(notes.trim() ? { notes: notes.trim() } : {}),
        },
      },
      {
        onSuccess: () => {
          setDone(t("municipality.sessionRecorded"));
          setSessionType("");
          setModality("");
          setTopics([]);
          setInterpreterUsed(false);
          setInterpreterLanguage("");
          setDuration("");
          setHeldAt(nowLocalDateTime());
          setNotes("");
        },
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate className="casework-form" aria-labelledby="mmcc-session-form">
      <h4 id="mmcc-session-form">{t("municipality.recordSession")}</h4>
      <div className="form-row">
        <SelectField
          label={t("municipality.sessionType")}
          value={sessionType}
          onChange={setSessionType}
          options={SESSION_TYPES}
          required
          error={error("sessionType")}
        />
        <SelectField
          label={t("municipality.modality")}
          value={modality}
          onChange={setModality}
          options={SESSION_MODALITIES}
          required
          error={error("modality")}
        />
        <TextField
          label={t("municipality.durationMinutes")}
          value={duration}
          onChange={setDuration}
          inputMode="numeric"
          required
          dir="ltr"
          error={error("durationMinutes")}
        />
        <TextField
          label={t("municipality.heldAt")}
          type="datetime-local"
          value={heldAt}
          onChange={setHeldAt}
          required
          max={nowLocalDateTime()}
          error={error("heldAt")}
        />
      </div>
      <CheckboxGroup
        legend={t("municipality.topics")}
        options={COUNSELLING_TOPICS}
        selected={topics}
        onChange={setTopics}
        required
        error={error("topics")}
      />
      <div className="form-row">
        <CheckboxField
          label={t("municipality.interpreterUsed")}
          checked={interpreterUsed}
          onChange={setInterpreterUsed}
        />
        {interpreterUsed ? (
          <SelectField
            label={t("municipality.interpreterLanguage")}
            value={interpreterLanguage}
            onChange={setInterpreterLanguage}
            options={INTERPRETER_LANGUAGES as readonly string[]}
            labelOf={(code) => languageName(code, i18n.language)}
            required
            error={error("interpreterLanguage")}
          />
        ) : null}
      </div>
      <div className="form-row">
        <TextField
          label={t("municipality.notes")}
          hint={t("municipality.notesHint")}
          value={notes}
          onChange={setNotes}
          multiline
          maxLength={4000}
          error={error("notes")}
        />
      </div>
      <CaseworkProblem error={mutation.error} />
      <SubmitButton pending={mutation.isPending}>{t("municipality.recordSession")}</SubmitButton>
      <SuccessStatus message={done} />
    </form>
  );
}

function AssistanceTable({ items }: { items: readonly Assistance[] }) {
  const { t, i18n } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const staffName = useStaffName();
  const columns: Column<Assistance>[] = [
    {
      key: "providedAt",
      header: t("municipality.providedAt"),
      render: (row) => format.dateTime(row.providedAt),
      value: (row) => row.providedAt,
    },
    {
      key: "kind",
      header: t("assistance.kind"),
      render: (row) => vocabulary(row.kind),
      value: (row) => vocabulary(row.kind),
    },
    {
      key: "amount",
      header: t("assistance.amount"),
      numeric: true,
      render: (row) => formatMoney(row.amount, i18n.language),
      value: (row) => formatMoney(row.amount, i18n.language),
    },
    {
      key: "description",
      header: t("assistance.description"),
      render: (row) => row.description ?? "—",
      value: (row) => row.description,
    },
    {
      key: "recordedBy",
      header: t("municipality.recordedBy"),
      render: (row) => <bdi>{staffName(row.recordedBy?.actorId)}</bdi>,
      value: (row) => staffName(row.recordedBy?.actorId),
    },
  ];
  const currencies = [...new Set(items.map((item) => item.amount?.currency).filter(Boolean))] as string[];
  return (
    <>
      <DataTable
        caption={t("municipality.assistance")}
        captionHidden
        exportName="direct-assistance"
        columns={columns}
        rows={items}
        rowKey={(row) => row.directAssistanceId ?? ""}
        empty={t("municipality.noAssistance")}
      />
      {currencies.length > 0 ? (
        <p>
          {t("assistance.total", {
            amounts: currencies
              .map((currency) =>
                formatMoney(
                  {
                    currency,
                    amountMinor: sumMinor(
                      items.map((item) => item.amount),
                      currency,
                    ),
                  },
                  i18n.language,
                ),
              )
              .join(" · "),
          })}
        </p>
      ) : null}
    </>
  );
}

function AssistanceForm({ caseId, referralId }: { caseId: string; referralId: string }) {
  const { t, i18n } = useTranslation("casework");
  const mutation = useRpcMutation("municipality", "RecordDirectAssistance");
  const [kind, setKind] = useState<AssistanceKind | "">("");
  const [amount, setAmount] = useState("");
  const [currency, setCurrency] = useState(DEFAULT_CURRENCY);
  const [description, setDescription] = useState("");
  const [providedAt, setProvidedAt] = useState(nowLocalDateTime);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string>();
  const error = (field: string) => errors[field] ?? fieldReasons(mutation.error, field);
  const cash = kind === "ASSISTANCE_KIND_CASH";

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const found: Record<string, string> = {};
    if (!kind) found.kind = t("form.chooseOne");
    const parsed = parseAmount(amount, currency, i18n.language);
    if (!parsed.ok && (parsed.reason !== "empty" || cash)) found.amount = t(`money.${parsed.reason}`);
    if (parsed.ok && cash && /^0+$/.test(parsed.amountMinor)) found.amount = t("money.positive");
    const provided = localDateTimeToInstant(providedAt);
    if (!provided) found.providedAt = t("form.invalidDate");
    else if (new Date(provided).getTime() > Date.now() + 5 * 60_000) found.providedAt = t("form.notInFuture");
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
          ...(description.trim() ? { description: description.trim() } : {}),
          ...(provided ? { providedAt: provided } : {}),
        },
      },
      {
        onSuccess: () => {
          setDone(t("municipality.assistanceRecorded"));
          setKind("");
          setAmount("");
          setDescription("");
          setProvidedAt(nowLocalDateTime());
        },
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate className="casework-form" aria-labelledby="mmcc-assistance-form">
      <h4 id="mmcc-assistance-form">{t("municipality.recordAssistance")}</h4>
      <div className="form-row">
        <SelectField
          label={t("assistance.kind")}
          value={kind}
          onChange={setKind}
          options={ASSISTANCE_KINDS}
          required
          error={error("kind")}
        />
        <TextField
          label={t("municipality.providedAt")}
          type="datetime-local"
          value={providedAt}
          onChange={setProvidedAt}
          max={nowLocalDateTime()}
          error={error("providedAt")}
        />
      </div>
      <MoneyField
        label={cash ? t("assistance.amount") : t("assistance.value")}
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
      <SubmitButton pending={mutation.isPending}>{t("municipality.recordAssistance")}</SubmitButton>
      <SuccessStatus message={done} />
    </form>
  );
}
