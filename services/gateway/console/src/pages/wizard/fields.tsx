import { createContext, type ReactNode, useContext } from "react";
import { useTranslation } from "react-i18next";
import type { FieldProblem, FieldProblems } from "./draft.js";

// Form fields of the wizard: every input has a label; a field's problem (from the checks before
// sending, or named by the server) is tied to it with aria-describedby and aria-invalid.

const ProblemsContext = createContext<FieldProblems>({});
export const ProblemsProvider = ProblemsContext.Provider;

export function fieldId(name: string): string {
  return `f-${name.replace(/[^A-Za-z0-9]/g, "-")}`;
}

function useProblem(name: string): FieldProblem | undefined {
  return useContext(ProblemsContext)[name];
}

export function FieldError({ name }: { name: string }) {
  const { t } = useTranslation("wizard");
  const problem = useProblem(name);
  if (!problem) return null;
  return (
    <span id={`${fieldId(name)}-error`} className="field-error">
      {problem.key ? t(problem.key) : null}
      {problem.key && problem.reason ? " " : null}
      {problem.reason ? <span lang="en">{problem.reason}</span> : null}
    </span>
  );
}

/** The attributes that tie an input to its hint and problem. */
export function useFieldAttributes(name: string, hint?: boolean) {
  const problem = useProblem(name);
  const id = fieldId(name);
  const describedBy = [hint ? `${id}-hint` : undefined, problem ? `${id}-error` : undefined]
    .filter(Boolean)
    .join(" ");
  return {
    id,
    "aria-invalid": problem ? (true as const) : undefined,
    "aria-describedby": describedBy || undefined,
  };
}

export function TextField(props: {
  name: string;
  label: string;
  value: string;
  onChange(value: string): void;
  required?: boolean;
  hint?: string;
  type?: "text" | "tel" | "number" | "date";
  inputMode?: "numeric" | "tel" | "text";
  autoComplete?: string;
  list?: string;
  multiline?: boolean;
  disabled?: boolean;
  dir?: "ltr" | "auto";
}) {
  const attributes = useFieldAttributes(props.name, Boolean(props.hint));
  const common = {
    ...attributes,
    value: props.value,
    required: props.required,
    disabled: props.disabled,
    dir: props.dir,
  };
  return (
    <div className="wizard-field">
      <label htmlFor={attributes.id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {props.multiline ? (
        <textarea {...common} rows={3} onChange={(event) => props.onChange(event.target.value)} />
      ) : (
        <input
          {...common}
          type={props.type ?? "text"}
          inputMode={props.inputMode}
          autoComplete={props.autoComplete ?? "off"}
          list={props.list}
          onChange={(event) => props.onChange(event.target.value)}
        />
      )}
      {props.hint ? (
        <span id={`${attributes.id}-hint`} className="hint">
          {props.hint}
        </span>
      ) : null}
      <FieldError name={props.name} />
    </div>
  );
}

export function SelectField<V extends string>(props: {
  name: string;
  label: string;
  value: V | "";
  options: readonly { value: V; label: string; lang?: string }[];
  onChange(value: V | ""): void;
  required?: boolean;
  placeholder: string;
  disabled?: boolean;
}) {
  const attributes = useFieldAttributes(props.name);
  return (
    <div className="wizard-field">
      <label htmlFor={attributes.id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      <select
        {...attributes}
        value={props.value}
        required={props.required}
        disabled={props.disabled}
        onChange={(event) => props.onChange(event.target.value as V | "")}
      >
        <option value="">{props.placeholder}</option>
        {props.options.map((option) => (
          <option key={option.value} value={option.value} lang={option.lang}>
            {option.label}
          </option>
        ))}
      </select>
      <FieldError name={props.name} />
    </div>
  );
}

export function CheckboxField(props: {
  name: string;
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
  disabled?: boolean;
}) {
  const attributes = useFieldAttributes(props.name);
  return (
    <div className="wizard-field">
      <label className="wizard-check">
        <input
          type="checkbox"
          {...attributes}
          checked={props.checked}
          disabled={props.disabled}
          onChange={(event) => props.onChange(event.target.checked)}
        />
        <span>{props.label}</span>
      </label>
      <FieldError name={props.name} />
    </div>
  );
}

/** A set of choices (checkboxes, or radios when `single`), as one fieldset named by its legend. */
export function ChoiceGroup<V extends string>(props: {
  name: string;
  legend: string;
  options: readonly { value: V; label: ReactNode }[];
  selected: readonly V[];
  onChange(selected: V[]): void;
  single?: boolean;
  required?: boolean;
  hint?: string;
  columns?: boolean;
  disabled?: boolean;
}) {
  const id = fieldId(props.name);
  const problem = useProblem(props.name);
  const describedBy = [props.hint ? `${id}-hint` : undefined, problem ? `${id}-error` : undefined]
    .filter(Boolean)
    .join(" ");
  return (
    <fieldset
      className={props.columns ? "wizard-choices columns" : "wizard-choices"}
      aria-describedby={describedBy || undefined}
      disabled={props.disabled}
    >
      <legend>
        {props.legend}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </legend>
      {props.hint ? (
        <p id={`${id}-hint`} className="hint">
          {props.hint}
        </p>
      ) : null}
      <FieldError name={props.name} />
      <div className="choices">
        {props.options.map((option, index) => (
          <label key={option.value} className="wizard-check">
            <input
              id={index === 0 ? id : undefined}
              type={props.single ? "radio" : "checkbox"}
              name={id}
              value={option.value}
              checked={props.selected.includes(option.value)}
              aria-invalid={problem ? true : undefined}
              onChange={(event) => {
                if (props.single) props.onChange([option.value]);
                else
                  props.onChange(
                    event.target.checked
                      ? [...props.selected, option.value]
                      : props.selected.filter((value) => value !== option.value),
                  );
              }}
            />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
