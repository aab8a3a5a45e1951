import { useState } from "react";
import { useTranslation } from "react-i18next";
import { type ProblemError, rpc } from "../../api/client.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { useOnline } from "../../offline/OfflineStatus.js";
import {
  CONTACT_METHODS,
  type ContactMethod,
  LANGUAGE_CHOICES,
  LEGAL_STATUSES,
  type LegalStatus,
  type PersonDraft,
  PROVINCES,
  SEXES,
  type Sex,
} from "./draft.js";
import { CheckboxField, ChoiceGroup, SelectField, TextField } from "./fields.js";

export function languageOptions() {
  return LANGUAGE_CHOICES.map((choice) => ({ value: choice.tag, label: choice.name, lang: choice.tag }));
}

/** Who is referred: a new registration (RegisterBeneficiary's fields) or a person already registered. */
export function PersonStep({
  person,
  set,
  locked,
}: {
  person: PersonDraft;
  set(patch: Partial<PersonDraft>): void;
  locked: boolean;
}) {
  const { t } = useTranslation("wizard");
  const label = useVocabulary();
  const online = useOnline();
  const [found, setFound] = useState<{ name: string; consents: number } | undefined>();
  const [lookupError, setLookupError] = useState<ProblemError | undefined>();
  const lookUp = async () => {
    setFound(undefined);
    setLookupError(undefined);
    try {
      const answer = await rpc("intake", "GetBeneficiary", { beneficiaryId: person.existingId.trim() });
      const b = answer.beneficiary;
      setFound({
        name: [b?.givenName, b?.familyName].filter(Boolean).join(" "),
        consents: answer.consents?.length ?? 0,
      });
      if (b?.preferredLanguage) set({ preferredLanguage: b.preferredLanguage });
      if (b?.residence?.provinceCode) set({ provinceCode: b.residence.provinceCode });
    } catch (error) {
      setLookupError(error as ProblemError);
    }
  };
  return (
    <fieldset className="wizard-section" disabled={locked}>
      <legend className="visually-hidden">{t("steps.person")}</legend>
      {locked ? <p className="notice-ok">{t("person.locked")}</p> : null}
      <ChoiceGroup
        name="person.mode"
        legend={t("person.mode")}
        single
        options={[
          { value: "new", label: t("person.modeNew") },
          { value: "existing", label: t("person.modeExisting") },
        ]}
        selected={[person.mode]}
        onChange={([mode]) => set({ mode: mode ?? "new" })}
      />
      {person.mode === "existing" ? (
        <div className="form-row">
          <TextField
            name="person.existingId"
            label={t("person.existingId")}
            hint={t("person.existingIdHint")}
            value={person.existingId}
            onChange={(existingId) => set({ existingId })}
            required
            dir="ltr"
          />
          <button
            type="button"
            className="button secondary"
            disabled={!online || person.existingId.trim() === ""}
            onClick={() => void lookUp()}
          >
            {t("person.lookUp")}
          </button>
          {!online ? <p className="hint">{t("person.lookUpOffline")}</p> : null}
          {found ? (
            <p role="status">
              {t("person.found", { count: found.consents })} <bdi>{found.name}</bdi>
            </p>
          ) : null}
          <ProblemMessage error={lookupError} />
        </div>
      ) : (
        <>
          <div className="form-row">
            <TextField
              name="person.givenName"
              label={t("person.givenName")}
              value={person.givenName}
              onChange={(givenName) => set({ givenName })}
              required
              dir="auto"
            />
            <TextField
              name="person.familyName"
              label={t("person.familyName")}
              value={person.familyName}
              onChange={(familyName) => set({ familyName })}
              required
              dir="auto"
            />
            <TextField
              name="person.preferredName"
              label={t("person.preferredName")}
              value={person.preferredName}
              onChange={(preferredName) => set({ preferredName })}
              dir="auto"
            />
          </div>
          <div className="form-row">
            <SelectField<Sex>
              name="person.sex"
              label={t("person.sex")}
              value={person.sex}
              options={SEXES.map((value) => ({ value, label: label(value) }))}
              onChange={(sex) => set({ sex })}
              placeholder={t("choose")}
              required
            />
            <TextField
              name="person.birthYear"
              label={t("person.birthYear")}
              hint={t("person.birthYearHint")}
              value={person.birthYear}
              onChange={(birthYear) => set({ birthYear })}
              inputMode="numeric"
            />
            <TextField
              name="person.nationality"
              label={t("person.nationality")}
              hint={t("person.nationalityHint")}
              value={person.nationality}
              onChange={(nationality) => set({ nationality: nationality.toUpperCase() })}
              dir="ltr"
            />
            <SelectField<LegalStatus>
              name="person.legalStatus"
              label={t("person.legalStatus")}
              value={person.legalStatus}
              options={LEGAL_STATUSES.map((value) => ({ value, label: label(value) }))}
              onChange={(legalStatus) => set({ legalStatus })}
              placeholder={t("notKnown")}
            />
          </div>
          <div className="form-row">
            <SelectField
              name="person.provinceCode"
              label={t("person.province")}
              value={person.provinceCode}
              options={PROVINCES.map((p) => ({ value: p.code, label: p.name }))}
              onChange={(provinceCode) => set({ provinceCode })}
              placeholder={t("choose")}
              required
            />
            <TextField
              name="person.districtCode"
              label={t("person.district")}
              hint={t("person.districtHint")}
              value={person.districtCode}
              onChange={(districtCode) => set({ districtCode: districtCode.toUpperCase() })}
              dir="ltr"
            />
          </div>
          <div className="form-row">
            <TextField
              name="person.phoneNumber"
              label={t("person.phone")}
              hint={t("person.phoneHint")}
              type="tel"
              value={person.phoneNumber}
              onChange={(phoneNumber) => set({ phoneNumber: phoneNumber.replace(/\s/g, "") })}
              dir="ltr"
            />
            <SelectField<ContactMethod>
              name="person.preferredContactMethod"
              label={t("person.contactMethod")}
              value={person.preferredContactMethod}
              options={CONTACT_METHODS.map((value) => ({ value, label: label(value) }))}
              onChange={(preferredContactMethod) => set({ preferredContactMethod })}
              placeholder={t("notKnown")}
            />
            <CheckboxField
              name="person.safeToContact"
              label={t("person.safeToContact")}
              checked={person.safeToContact}
              onChange={(safeToContact) => set({ safeToContact })}
            />
            <TextField
              name="person.safeTimes"
              label={t("person.safeTimes")}
              value={person.safeTimes}
              onChange={(safeTimes) => set({ safeTimes })}
              dir="auto"
            />
          </div>
          <div className="form-row">
            <SelectField
              name="person.preferredLanguage"
              label={t("person.language")}
              value={person.preferredLanguage}
              options={languageOptions()}
              onChange={(preferredLanguage) => set({ preferredLanguage })}
              placeholder={t("choose")}
              required
            />
            <CheckboxField
              name="person.interpreterNeeded"
              label={t("person.interpreterNeeded")}
              checked={person.interpreterNeeded}
              onChange={(interpreterNeeded) => set({ interpreterNeeded })}
            />
            {person.interpreterNeeded ? (
              <SelectField
                name="person.interpreterLanguage"
                label={t("person.interpreterLanguage")}
                value={person.interpreterLanguage}
                options={languageOptions()}
                onChange={(interpreterLanguage) => set({ interpreterLanguage })}
                placeholder={t("choose")}
                required
              />
            ) : null}
          </div>
        </>
      )}
    </fieldset>
  );
}
