import { useTranslation } from "react-i18next";
import { useRpcQuery } from "../../api/hooks.js";
import { Loading } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { useOnline } from "../../offline/OfflineStatus.js";
import {
  type ChosenTarget,
  consentCovers,
  PRIORITIES,
  type Priority,
  type ReferralDraft,
  SERVICE_TYPES,
  type ServiceMatch,
  type ServiceType,
  type WizardDraft,
} from "./draft.js";
import { ChoiceGroup, FieldError, fieldId, SelectField, TextField } from "./fields.js";

function targetOf(match: ServiceMatch): ChosenTarget {
  return {
    organisationId: match.organisation?.organisationId ?? match.serviceOffering?.organisationId ?? "",
    organisationName: match.organisation?.name ?? match.organisation?.organisationId ?? "",
    partnerKind: match.organisation?.partnerKind,
    serviceOfferingId: match.serviceOffering?.serviceOfferingId,
    offeringName: match.serviceOffering?.name,
  };
}

const BEST = "__best__";

/** The referral itself and its target: the suggestions SuggestTargets ranks, each with why. */
export function ReferralStep({
  draft,
  set,
  addOrganisationToConsent,
}: {
  draft: WizardDraft;
  set(patch: Partial<ReferralDraft>): void;
  addOrganisationToConsent(target: ChosenTarget): void;
}) {
  const { t } = useTranslation("wizard");
  const label = useVocabulary();
  const format = useFormat();
  const online = useOnline();
  const referral = draft.referral;
  const person = draft.person;
  const serviceChoices = draft.needs.servicesNeeded.length > 0 ? draft.needs.servicesNeeded : SERVICE_TYPES;
  const suggestions = useRpcQuery(
    "intake",
    "SuggestTargets",
    {
      serviceType: referral.serviceType || undefined,
      ...(person.mode === "existing" && person.existingId ? { beneficiaryId: person.existingId.trim() } : {}),
      criteria: {
        ...(person.provinceCode ? { location: { provinceCode: person.provinceCode } } : {}),
        ...(person.preferredLanguage ? { language: person.preferredLanguage } : {}),
        allowWaitlist: true,
      },
      limit: 10,
    },
    { enabled: online && referral.serviceType !== "", staleTime: 60_000 },
  );
  const candidates = suggestions.data?.candidates ?? [];
  const chosenKey = referral.target
    ? `${referral.target.organisationId}/${referral.target.serviceOfferingId ?? ""}`
    : BEST;
  const chosenInList = candidates.some(
    (m) => `${targetOf(m).organisationId}/${targetOf(m).serviceOfferingId ?? ""}` === chosenKey,
  );
  return (
    <div className="wizard-section">
      <div className="form-row">
        <SelectField<ServiceType>
          name="referral.serviceType"
          label={t("referral.serviceType")}
          value={referral.serviceType}
          options={serviceChoices.map((value) => ({ value, label: label(value) }))}
          onChange={(serviceType) => set({ serviceType, target: null, extraCategories: [] })}
          placeholder={t("choose")}
          required
        />
        <SelectField
          name="referral.purpose"
          label={t("referral.purpose")}
          value={referral.purpose}
          options={draft.consent.purposes.map((value) => ({ value, label: label(value) }))}
          onChange={(purpose) => purpose && set({ purpose })}
          placeholder={t("choose")}
          required
        />
      </div>
      <ChoiceGroup<Priority>
        name="referral.priority"
        legend={t("referral.priority")}
        single
        options={PRIORITIES.map((value) => ({ value, label: label(value) }))}
        selected={[referral.priority]}
        onChange={([priority]) => set({ priority: priority ?? "PRIORITY_NORMAL" })}
      />
      <div className="form-row">
        <TextField
          name="referral.reasonForReferral"
          label={t("referral.reason")}
          hint={t("referral.reasonHint")}
          multiline
          value={referral.reasonForReferral}
          onChange={(reasonForReferral) => set({ reasonForReferral })}
          required
          dir="auto"
        />
      </div>

      <fieldset className="wizard-choices" aria-describedby={`${fieldId("referral.target")}-error`}>
        <legend>{t("referral.target")}</legend>
        <FieldError name="referral.target" />
        {!online ? <p className="hint">{t("referral.offlineSuggestions")}</p> : null}
        {referral.serviceType === "" ? <p className="hint">{t("referral.chooseServiceFirst")}</p> : null}
        {online && suggestions.isFetching ? <Loading /> : null}
        {suggestions.error ? <ProblemMessage error={suggestions.error} /> : null}
        {suggestions.data?.directoryAsOf ? (
          <p className="hint">
            {t("referral.directoryAsOf", { at: format.dateTime(suggestions.data.directoryAsOf) })}
          </p>
        ) : null}
        {online && suggestions.isSuccess && candidates.length === 0 ? (
          <p className="empty">{t("referral.noCandidates")}</p>
        ) : null}
        <ul className="wizard-candidates">
          <li>
            <label className="wizard-check">
              <input
                id={fieldId("referral.target")}
                type="radio"
                name="target"
                checked={chosenKey === BEST}
                onChange={() => set({ target: null, extraCategories: [] })}
              />
              <span>
                <strong>{t("referral.bestMatch")}</strong>
                <span className="hint"> {t("referral.bestMatchHint")}</span>
              </span>
            </label>
          </li>
          {referral.target && !chosenInList ? (
            <li>
              <label className="wizard-check">
                <input type="radio" name="target" checked onChange={() => undefined} />
                <span>
                  <bdi>{referral.target.organisationName}</bdi>
                  {referral.target.offeringName ? (
                    <>
                      {" — "}
                      <bdi>{referral.target.offeringName}</bdi>
                    </>
                  ) : null}
                </span>
              </label>
            </li>
          ) : null}
          {candidates.map((match) => {
            const target = targetOf(match);
            const key = `${target.organisationId}/${target.serviceOfferingId ?? ""}`;
            const covered = consentCovers(draft.consent, target);
            const reasonsId = `reasons-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
            const offering = match.serviceOffering;
            return (
              <li key={key} className="wizard-candidate">
                <label className="wizard-check">
                  <input
                    type="radio"
                    name="target"
                    checked={chosenKey === key}
                    aria-describedby={reasonsId}
                    onChange={() => set({ target, extraCategories: [] })}
                  />
                  <span>
                    <strong>{t("referral.rank", { rank: match.rank ?? 0 })}</strong>{" "}
                    <bdi>{target.organisationName}</bdi>
                    {target.offeringName ? (
                      <>
                        {" — "}
                        <bdi>{target.offeringName}</bdi>
                      </>
                    ) : null}
                  </span>
                </label>
                <div id={reasonsId} className="wizard-reasons">
                  <p>
                    {label(offering?.capacityStatus)}
                    {offering?.totalPlaces
                      ? ` · ${t("referral.places", {
                          free: format.number(offering.freePlaces ?? 0),
                          total: format.number(offering.totalPlaces),
                        })}`
                      : null}
                  </p>
                  <p>{t("referral.why")}</p>
                  <ul>
                    {(match.reasons ?? []).map((reason) => (
                      <li key={reason}>{label(reason)}</li>
                    ))}
                  </ul>
                  <p className={covered ? "consent-covered" : "overdue-label"}>
                    {covered ? t("referral.covered") : t("referral.notCovered")}
                  </p>
                </div>
                {!covered && chosenKey === key ? (
                  <button
                    type="button"
                    className="button secondary"
                    onClick={() => addOrganisationToConsent(target)}
                  >
                    {t("referral.addToConsent", { name: target.organisationName })}
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
      </fieldset>
    </div>
  );
}
