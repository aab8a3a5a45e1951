import { type ReactNode, useId } from "react";
import { useTranslation } from "react-i18next";
import type { ProblemError } from "../../api/client.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useVocabulary } from "../../i18n/vocabulary.js";

export interface ControlProps {
  id: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}

/** A labelled control with its hint and error tied to it (aria-describedby, aria-invalid). */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children(props: ControlProps): ReactNode;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        ...(error ? { "aria-invalid": true as const } : {}),
        ...(described ? { "aria-describedby": described } : {}),
      })}
      {hint ? (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A required choice of one code of an enum, labelled in the user's language. */
export function CodeSelect<T extends string>({
  label,
  values,
  value,
  onChange,
  error,
  hint,
  placeholder,
}: {
  label: string;
  values: readonly T[];
  value: NoInfer<T> | "";
  onChange(value: NoInfer<T> | ""): void;
  error?: string | undefined;
  hint?: string | undefined;
  placeholder?: string;
}) {
  const { t } = useTranslation("referral");
  const vocabulary = useVocabulary();
  return (
    <Field label={label} error={error} hint={hint}>
      {(props) => (
        <select {...props} value={value} onChange={(event) => onChange(event.target.value as T | "")}>
          <option value="">{placeholder ?? t("form.choose")}</option>
          {values.map((code) => (
            <option key={code} value={code}>
              {vocabulary(code)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Several codes of an enum as a group of checkboxes, with one error for the group. */
export function CodeChecks<T extends string>({
  legend,
  values,
  checked,
  onChange,
  error,
}: {
  legend: string;
  values: readonly T[];
  checked: readonly T[];
  onChange(next: T[]): void;
  error?: string | undefined;
}) {
  const vocabulary = useVocabulary();
  const errorId = useId();
  return (
    <fieldset
      className="code-checks"
      aria-describedby={error ? errorId : undefined}
      aria-invalid={error ? true : undefined}
    >
      <legend>{legend}</legend>
      {values.map((code) => (
        <label key={code} className="check">
          <input
            type="checkbox"
            checked={checked.includes(code)}
            onChange={(event) =>
              onChange(event.target.checked ? [...checked, code] : checked.filter((c) => c !== code))
            }
          />
          <span>{vocabulary(code)}</span>
        </label>
      ))}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** An internal note: kept in this organisation's records only, never sent to the referrer. */
export function NoteField({ value, onChange }: { value: string; onChange(value: string): void }) {
  const { t } = useTranslation("referral");
  return (
    <Field label={t("form.internalNote")} hint={t("form.internalNoteHint")}>
      {(props) => (
        <textarea
          {...props}
          rows={3}
          maxLength={2000}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/**
 * What went wrong with an action. A sequence conflict says the referral changed under the user
 * (the page has reloaded it); codes this page knows get their own words; the rest, and the fields
 * the server named, go through the shared problem message.
 */
export function ActionError({ error }: { error: ProblemError | null | undefined }) {
  const { t, i18n } = useTranslation("referral");
  if (!error) return null;
  const key = `problem.${error.code}`;
  if (error.code !== "unknown" && i18n.exists(key, { ns: "referral" }))
    return (
      <div role="alert" className="problem">
        <p>{t(key)}</p>
        {error.detail && error.code !== "sequence_conflict" ? (
          <p className="problem-detail">{error.detail}</p>
        ) : null}
      </div>
    );
  return <ProblemMessage error={error} />;
}

/** Submit and cancel at the foot of a dialog's form. */
export function FormButtons({
  submit,
  pending,
  onCancel,
  danger,
}: {
  submit: string;
  pending: boolean;
  onCancel(): void;
  danger?: boolean;
}) {
  const { t } = useTranslation("referral");
  return (
    <div className="form-buttons">
      <button type="submit" className={danger ? "button danger" : "button"} disabled={pending}>
        {pending ? t("form.sending") : submit}
      </button>
      <button type="button" className="button secondary" onClick={onCancel}>
        {t("form.cancel")}
      </button>
    </div>
  );
}
