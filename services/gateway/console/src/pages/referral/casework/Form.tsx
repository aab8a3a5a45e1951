import { type ReactNode, useId } from "react";
import { useTranslation } from "react-i18next";
import { useVocabulary } from "../../../i18n/vocabulary.js";
import { CURRENCIES } from "./money.js";

// The casework forms' fields: each input has its label, says when it is required, and is tied to
// its error (`aria-invalid` + `aria-describedby`) whether the error came from the form's own check
// or from a field the server named.

interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean;
}

function useDescribedBy(error: string | undefined, hint: string | undefined) {
  const controlId = useId();
  const errorId = useId();
  const hintId = useId();
  const ids = [hint ? hintId : undefined, error ? errorId : undefined].filter(Boolean).join(" ");
  return { controlId, errorId, hintId, describedBy: ids || undefined };
}

function FieldNotes({
  error,
  hint,
  errorId,
  hintId,
}: {
  error?: string | undefined;
  hint?: string | undefined;
  errorId: string;
  hintId: string;
}) {
  return (
    <>
      {hint ? (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span className="field-error" id={errorId}>
          {error}
        </span>
      ) : null}
    </>
  );
}

function LabelText({ label, required }: { label: string; required?: boolean | undefined }) {
  const { t } = useTranslation("casework");
  return (
    <span>
      {label}
      {required ? <span className="required-mark"> {t("form.required")}</span> : null}
    </span>
  );
}

export function SelectField<V extends string>({
  label,
  value,
  onChange,
  options,
  error,
  hint,
  required,
  labelOf,
}: FieldProps & {
  value: NoInfer<V> | "";
  onChange(value: NoInfer<V> | ""): void;
  options: readonly V[];
  /** Label of an option; default: the vocabulary's label of the enum value. */
  labelOf?: (value: NoInfer<V>) => string;
}) {
  const { t } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const { controlId, errorId, hintId, describedBy } = useDescribedBy(error, hint);
  return (
    <div className="field">
      <label htmlFor={controlId}>
        <LabelText label={label} required={required} />
      </label>
      <select
        id={controlId}
        value={value}
        onChange={(event) => onChange(event.target.value as V | "")}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        aria-required={required || undefined}
      >
        <option value="">{t("form.choose")}</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {labelOf ? labelOf(option) : vocabulary(option)}
          </option>
        ))}
      </select>
      <FieldNotes error={error} hint={hint} errorId={errorId} hintId={hintId} />
    </div>
  );
}

export function CheckboxGroup<V extends string>({
  legend,
  options,
  selected,
  onChange,
  error,
  hint,
  required,
}: {
  legend: string;
  options: readonly V[];
  selected: readonly V[];
  onChange(values: V[]): void;
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean;
}) {
  const vocabulary = useVocabulary();
  const { errorId, hintId, describedBy } = useDescribedBy(error, hint);
  return (
    <fieldset
      className="checkbox-group"
      aria-describedby={describedBy}
      aria-invalid={error ? true : undefined}
    >
      <legend>
        <LabelText label={legend} required={required} />
      </legend>
      <div className="checkbox-grid">
        {options.map((option) => (
          <label key={option} className="checkbox">
            <input
              type="checkbox"
              checked={selected.includes(option)}
              onChange={(event) =>
                onChange(
                  event.target.checked
                    ? options.filter((value) => value === option || selected.includes(value))
                    : selected.filter((value) => value !== option),
                )
              }
            />
            <span>{vocabulary(option)}</span>
          </label>
        ))}
      </div>
      <FieldNotes error={error} hint={hint} errorId={errorId} hintId={hintId} />
    </fieldset>
  );
}

export function TextField({
  label,
  value,
  onChange,
  error,
  hint,
  required,
  type = "text",
  inputMode,
  maxLength,
  max,
  multiline,
  dir,
}: FieldProps & {
  value: string;
  onChange(value: string): void;
  type?: "text" | "date" | "datetime-local";
  inputMode?: "numeric" | "decimal" | "text";
  maxLength?: number;
  max?: string;
  multiline?: boolean;
  dir?: "auto" | "ltr";
}) {
  const { controlId, errorId, hintId, describedBy } = useDescribedBy(error, hint);
  const common = {
    id: controlId,
    value,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    "aria-required": required || undefined,
    maxLength,
    dir,
  } as const;
  return (
    <div className={multiline ? "field wide" : "field"}>
      <label htmlFor={controlId}>
        <LabelText label={label} required={required} />
      </label>
      {multiline ? (
        <textarea {...common} rows={4} onChange={(event) => onChange(event.target.value)} />
      ) : (
        <input
          {...common}
          type={type}
          inputMode={inputMode}
          max={max}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      <FieldNotes error={error} hint={hint} errorId={errorId} hintId={hintId} />
    </div>
  );
}

export function CheckboxField({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
}) {
  return (
    <label className="checkbox">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

/** An amount typed in the user's language, with its currency. */
export function MoneyField({
  label,
  amount,
  currency,
  onAmount,
  onCurrency,
  error,
  hint,
  required,
}: FieldProps & {
  amount: string;
  currency: string;
  onAmount(value: string): void;
  onCurrency(value: string): void;
}) {
  const { t } = useTranslation("casework");
  return (
    <fieldset className="money-field">
      <legend>
        <LabelText label={label} required={required} />
      </legend>
      <div className="form-row">
        <TextField
          label={t("money.amount")}
          value={amount}
          onChange={onAmount}
          inputMode="decimal"
          error={error}
          hint={hint}
          required={required ?? false}
          dir="ltr"
        />
        <SelectField
          label={t("money.currency")}
          value={currency}
          onChange={(value) => onCurrency(value || "TRY")}
          options={CURRENCIES as readonly string[]}
          labelOf={(code) => code}
        />
      </div>
    </fieldset>
  );
}

/** The live region a form announces its success in (present before the message, so it is read). */
export function SuccessStatus({ message }: { message: string | undefined }) {
  return (
    <div role="status" className={message ? "notice-ok" : "status-idle"}>
      {message ?? ""}
    </div>
  );
}

export function SubmitButton({ pending, children }: { pending: boolean; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <button type="submit" className="button" disabled={pending} aria-disabled={pending || undefined}>
      {pending ? t("state.saving") : children}
    </button>
  );
}
