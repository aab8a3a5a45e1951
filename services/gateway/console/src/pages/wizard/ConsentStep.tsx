import { useTranslation } from "react-i18next";
import { useVocabulary } from "../../i18n/vocabulary.js";
import {
  CONSENT_GIVERS,
  CONSENT_METHODS,
  type ConsentDraft,
  type ConsentGiver,
  type ConsentMethod,
  DATA_CATEGORIES,
  PARTNER_KINDS,
  PURPOSES,
} from "./draft.js";
import { CheckboxField, ChoiceGroup, SelectField, TextField } from "./fields.js";
import { languageOptions } from "./PersonStep.js";

/** Informed consent with its scope (RecordConsent): who gave it, how, with whom, for what, which data, until when. */
export function ConsentStep({
  consent,
  set,
  locked,
}: {
  consent: ConsentDraft;
  set(patch: Partial<ConsentDraft>): void;
  locked: boolean;
}) {
  const { t } = useTranslation("wizard");
  const label = useVocabulary();
  return (
    <fieldset className="wizard-section" disabled={locked}>
      <legend className="visually-hidden">{t("steps.consent")}</legend>
      {locked ? <p className="notice-ok">{t("consent.locked")}</p> : null}
      <p className="hint">{t("consent.intro")}</p>
      <ChoiceGroup<ConsentGiver>
        name="consent.givenBy"
        legend={t("consent.givenBy")}
        single
        options={CONSENT_GIVERS.map((value) => ({ value, label: label(value) }))}
        selected={[consent.givenBy]}
        onChange={([givenBy]) => set({ givenBy: givenBy ?? "CONSENT_GIVER_SELF" })}
      />
      {consent.givenBy !== "CONSENT_GIVER_SELF" ? (
        <div className="form-row">
          <TextField
            name="consent.caregiverRelationship"
            label={t("consent.relationship")}
            hint={t("consent.relationshipHint")}
            value={consent.caregiverRelationship}
            onChange={(caregiverRelationship) => set({ caregiverRelationship })}
            required
            dir="auto"
          />
        </div>
      ) : null}
      <ChoiceGroup<ConsentMethod>
        name="consent.method"
        legend={t("consent.method")}
        single
        required
        options={CONSENT_METHODS.map((value) => ({ value, label: label(value) }))}
        selected={consent.method ? [consent.method] : []}
        onChange={([method]) => set({ method: method ?? "" })}
      />
      <div className="form-row">
        <SelectField
          name="consent.explainedInLanguage"
          label={t("consent.explainedIn")}
          value={consent.explainedInLanguage}
          options={languageOptions()}
          onChange={(explainedInLanguage) => set({ explainedInLanguage })}
          placeholder={t("choose")}
          required
        />
        <CheckboxField
          name="consent.interpreterUsed"
          label={t("consent.interpreterUsed")}
          checked={consent.interpreterUsed}
          onChange={(interpreterUsed) => set({ interpreterUsed })}
        />
        <TextField
          name="consent.expiresOn"
          label={t("consent.expiresOn")}
          hint={t("consent.expiresOnHint")}
          type="date"
          value={consent.expiresOn}
          onChange={(expiresOn) => set({ expiresOn })}
          required
        />
      </div>
      <ChoiceGroup
        name="consent.partnerKinds"
        legend={t("consent.withWhom")}
        hint={t("consent.withWhomHint")}
        required
        columns
        options={PARTNER_KINDS.map((value) => ({ value, label: label(value) }))}
        selected={consent.partnerKinds}
        onChange={(partnerKinds) => set({ partnerKinds })}
      />
      {consent.organisations.length > 0 ? (
        <div>
          <h3>{t("consent.organisations")}</h3>
          <ul className="wizard-named">
            {consent.organisations.map((organisation) => (
              <li key={organisation.id}>
                <bdi>{organisation.name}</bdi>{" "}
                <button
                  type="button"
                  className="button secondary"
                  onClick={() =>
                    set({ organisations: consent.organisations.filter((o) => o.id !== organisation.id) })
                  }
                  aria-label={t("consent.removeOrganisation", { name: organisation.name })}
                >
                  {t("remove")}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <ChoiceGroup
        name="consent.purposes"
        legend={t("consent.purposes")}
        required
        columns
        options={PURPOSES.map((value) => ({ value, label: label(value) }))}
        selected={consent.purposes}
        onChange={(purposes) => set({ purposes })}
      />
      <ChoiceGroup
        name="consent.dataCategories"
        legend={t("consent.dataCategories")}
        hint={t("consent.dataCategoriesHint")}
        required
        columns
        options={DATA_CATEGORIES.map((value) => ({ value, label: label(value) }))}
        selected={consent.dataCategories}
        onChange={(dataCategories) => set({ dataCategories })}
      />
    </fieldset>
  );
}
