import { useTranslation } from "react-i18next";
import { useVocabulary } from "../../i18n/vocabulary.js";
import {
  type NeedsDraft,
  SERVICE_TYPES,
  VULNERABILITIES,
  WG_DOMAINS,
  WG_SEVERITIES,
  type WgSeverity,
} from "./draft.js";
import { CheckboxField, ChoiceGroup, FieldError, SelectField, TextField } from "./fields.js";

/** Needs screening (ScreenNeeds): services needed, vulnerabilities, Washington Group answers, household. */
export function NeedsStep({
  needs,
  set,
  locked,
}: {
  needs: NeedsDraft;
  set(patch: Partial<NeedsDraft>): void;
  locked: boolean;
}) {
  const { t } = useTranslation("wizard");
  const label = useVocabulary();
  return (
    <fieldset className="wizard-section" disabled={locked}>
      <legend className="visually-hidden">{t("steps.needs")}</legend>
      {locked ? <p className="notice-ok">{t("needs.locked")}</p> : null}
      <ChoiceGroup
        name="needs.servicesNeeded"
        legend={t("needs.services")}
        columns
        options={SERVICE_TYPES.map((value) => ({ value, label: label(value) }))}
        selected={needs.servicesNeeded}
        onChange={(servicesNeeded) => set({ servicesNeeded })}
      />
      <ChoiceGroup
        name="needs.vulnerabilities"
        legend={t("needs.vulnerabilities")}
        columns
        options={VULNERABILITIES.map((value) => ({ value, label: label(value) }))}
        selected={needs.vulnerabilities}
        onChange={(vulnerabilities) => set({ vulnerabilities })}
      />
      <fieldset className="wizard-choices">
        <legend>{t("needs.wg")}</legend>
        <p className="hint">{t("needs.wgHint")}</p>
        <FieldError name="needs.wg" />
        <div className="form-row">
          {WG_DOMAINS.map((domain, index) => (
            <SelectField<WgSeverity>
              key={domain}
              name={index === 0 ? "needs.wg" : `needs.wg.${domain}`}
              label={label(domain)}
              value={needs.wg[domain] ?? ""}
              options={WG_SEVERITIES.map((value) => ({ value, label: label(value) }))}
              onChange={(severity) => {
                const wg = { ...needs.wg };
                if (severity) wg[domain] = severity;
                else delete wg[domain];
                set({ wg });
              }}
              placeholder={t("notAsked")}
            />
          ))}
        </div>
      </fieldset>
      <fieldset className="wizard-choices">
        <legend>{t("needs.household")}</legend>
        <div className="form-row">
          <TextField
            name="needs.householdSize"
            label={t("needs.householdSize")}
            inputMode="numeric"
            value={needs.householdSize}
            onChange={(householdSize) => set({ householdSize })}
          />
          <TextField
            name="needs.childrenCount"
            label={t("needs.childrenCount")}
            inputMode="numeric"
            value={needs.childrenCount}
            onChange={(childrenCount) => set({ childrenCount })}
          />
          <TextField
            name="needs.dependantsWithDisability"
            label={t("needs.dependants")}
            inputMode="numeric"
            value={needs.dependantsWithDisability}
            onChange={(dependantsWithDisability) => set({ dependantsWithDisability })}
          />
          <CheckboxField
            name="needs.femaleHeaded"
            label={t("needs.femaleHeaded")}
            checked={needs.femaleHeaded}
            onChange={(femaleHeaded) => set({ femaleHeaded })}
          />
        </div>
      </fieldset>
      <div className="form-row">
        <TextField
          name="needs.needsSummary"
          label={t("needs.summary")}
          hint={t("needs.summaryHint")}
          multiline
          value={needs.needsSummary}
          onChange={(needsSummary) => set({ needsSummary })}
          dir="auto"
        />
      </div>
    </fieldset>
  );
}
