import { useTranslation } from "react-i18next";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { useListFormat } from "../my-referrals/list-format.js";
import {
  categoriesToShare,
  contractOf,
  type DataCategory,
  expiresAtOf,
  heldCategories,
  LANGUAGE_CHOICES,
  mostSharedByBestMatch,
  optionalCategories,
  PROVINCES,
  requiredNotConsented,
  requiredNotHeld,
  WG_DOMAINS,
  type WizardDraft,
} from "./draft.js";
import { ChoiceGroup, FieldError } from "./fields.js";

function languageName(tag: string): string {
  return LANGUAGE_CHOICES.find((choice) => choice.tag === tag)?.name ?? tag;
}

/** What each category's package section would carry of this person's data, as entered. */
function useSectionContents(draft: WizardDraft): Partial<Record<DataCategory, [string, string][]>> {
  const { t } = useTranslation("wizard");
  const label = useVocabulary();
  const list = useListFormat();
  const p = draft.person;
  const n = draft.needs;
  if (p.mode === "existing") {
    return {
      DATA_CATEGORY_NEEDS: [
        [t("needs.vulnerabilities"), list(n.vulnerabilities.map(label)) || "—"],
        [t("needs.summary"), n.needsSummary || "—"],
      ],
    };
  }
  const province = PROVINCES.find((x) => x.code === p.provinceCode)?.name ?? p.provinceCode;
  const answered = WG_DOMAINS.filter((d) => n.wg[d]);
  return {
    DATA_CATEGORY_IDENTITY: [
      [t("person.givenName"), p.givenName],
      [t("person.familyName"), p.familyName],
      [t("person.preferredName"), p.preferredName || "—"],
    ],
    DATA_CATEGORY_CONTACT: [
      [t("person.phone"), p.phoneNumber || "—"],
      [t("person.province"), [province, p.districtCode].filter(Boolean).join(" / ")],
      [t("person.safeToContact"), p.safeToContact ? t("yes") : t("no")],
      [t("person.contactMethod"), p.preferredContactMethod ? label(p.preferredContactMethod) : "—"],
      [t("person.safeTimes"), p.safeTimes || "—"],
      [t("person.language"), languageName(p.preferredLanguage)],
    ],
    DATA_CATEGORY_DEMOGRAPHICS: [
      [t("person.sex"), label(p.sex)],
      [t("person.birthYear"), p.birthYear || "—"],
      [t("person.nationality"), p.nationality || "—"],
    ],
    DATA_CATEGORY_LEGAL_STATUS: [[t("person.legalStatus"), label(p.legalStatus)]],
    DATA_CATEGORY_HOUSEHOLD: [
      [t("needs.householdSize"), n.householdSize || "—"],
      [t("needs.childrenCount"), n.childrenCount || "—"],
      [t("needs.dependants"), n.dependantsWithDisability || "—"],
      [t("needs.femaleHeaded"), n.femaleHeaded ? t("yes") : t("no")],
    ],
    DATA_CATEGORY_NEEDS: [
      [t("needs.vulnerabilities"), list(n.vulnerabilities.map(label)) || "—"],
      [t("needs.summary"), n.needsSummary || "—"],
    ],
    DATA_CATEGORY_DISABILITY: answered.map((d) => [label(d), label(n.wg[d])]),
  };
}

/** The last look before sending: exactly what the chosen target will receive, and what it will not. */
export function ConfirmStep({
  draft,
  setExtra,
}: {
  draft: WizardDraft;
  setExtra(categories: DataCategory[]): void;
}) {
  const { t } = useTranslation("wizard");
  const label = useVocabulary();
  const list = useListFormat();
  const format = useFormat();
  const contents = useSectionContents(draft);
  const r = draft.referral;
  const shared = categoriesToShare(draft);
  const optional = optionalCategories(draft);
  const missing = requiredNotConsented(draft);
  const notHeld = requiredNotHeld(draft);
  const held = heldCategories(draft);
  const { required } = contractOf(r.serviceType);
  const targetName = r.target?.organisationName;
  const notShared = shared ? held.filter((c) => !shared.includes(c)) : [];
  return (
    <div className="wizard-section">
      <dl className="facts">
        <dt>{t("confirm.to")}</dt>
        <dd>
          {r.target ? (
            <>
              <bdi>{r.target.organisationName}</bdi>
              {r.target.offeringName ? (
                <>
                  {" — "}
                  <bdi>{r.target.offeringName}</bdi>
                </>
              ) : null}
            </>
          ) : (
            t("referral.bestMatch")
          )}
        </dd>
        <dt>{t("referral.serviceType")}</dt>
        <dd>{label(r.serviceType)}</dd>
        <dt>{t("referral.priority")}</dt>
        <dd>{label(r.priority)}</dd>
        <dt>{t("referral.purpose")}</dt>
        <dd>{label(r.purpose)}</dd>
        <dt>{t("referral.reason")}</dt>
        <dd>
          <bdi>{r.reasonForReferral}</bdi>
        </dd>
        <dt>{t("confirm.consentUntil")}</dt>
        <dd>{format.date(expiresAtOf(draft.consent.expiresOn))}</dd>
      </dl>

      <h3>{targetName ? t("confirm.sharedWith", { name: targetName }) : t("confirm.sharedWithBest")}</h3>
      <FieldError name="confirm.categories" />
      {missing.length > 0 ? (
        <p role="alert" className="problem">
          {t("confirm.missing", { categories: list(missing.map(label)) })}
        </p>
      ) : null}
      {notHeld.length > 0 ? (
        <p role="alert" className="problem">
          {t("confirm.notHeld", { categories: list(notHeld.map(label)) })}
        </p>
      ) : null}
      {shared ? (
        <ul className="wizard-shared">
          {shared.map((category) => (
            <li key={category}>
              <strong>{label(category)}</strong>
              {required.includes(category) ? <span className="hint"> {t("confirm.required")}</span> : null}
              {contents[category] && contents[category].length > 0 ? (
                <dl className="facts">
                  {contents[category].map(([name, value]) => (
                    <div key={name} className="fact">
                      <dt>{name}</dt>
                      <dd>
                        <bdi>{value}</bdi>
                      </dd>
                    </div>
                  ))}
                </dl>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p>
          {t("confirm.bestMatchCategories", {
            categories: list(mostSharedByBestMatch(draft).map(label)),
          })}
        </p>
      )}
      {optional.length > 0 ? (
        <ChoiceGroup
          name="referral.extraCategories"
          legend={t("confirm.optional")}
          hint={t("confirm.optionalHint")}
          options={optional.map((value) => ({ value, label: label(value) }))}
          selected={r.extraCategories}
          onChange={setExtra}
        />
      ) : null}
      {notShared.length > 0 ? (
        <p>{t("confirm.notShared", { categories: list(notShared.map(label)) })}</p>
      ) : null}
      <p className="hint">{t("confirm.alwaysSent")}</p>
    </div>
  );
}
