import { Fragment, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { ResponseOf } from "../../api/client.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";

type Package = NonNullable<ResponseOf<"inbox", "GetReferral">["referralPackage"]>;

/**
 * The sections of the package, in the order of the contract, with the fields each may hold. Only
 * sections the server returned are shown: it has already removed what this caller may not see.
 */
const SECTIONS = [
  ["identity", ["givenName", "familyName", "preferredName"]],
  [
    "contact",
    [
      "phoneNumber",
      "addressLine",
      "residence",
      "safeToContact",
      "safeTimes",
      "safeWindows",
      "preferredContactMethod",
      "preferredLanguage",
      "interpreterNeeded",
      "interpreterLanguage",
    ],
  ],
  ["demographics", ["sex", "birthYear", "ageBand", "nationality"]],
  ["legalStatus", ["legalStatus", "documentType", "documentNumber", "registrationProvinceCode"]],
  ["household", ["size", "childrenCount", "femaleHeaded", "dependantsWithDisability"]],
  ["needs", ["vulnerabilities", "needsSummary"]],
  ["disability", ["status", "answers"]],
  ["protection", ["riskLevel", "concerns", "concernsSummary"]],
  ["gbv", ["incidentType", "timeSinceIncident", "immediateSafetyRisk", "survivorCentredNotes"]],
  ["childProtection", ["concerns", "caregiverPresent", "bestInterestsAssessmentDone", "concernsSummary"]],
  ["health", ["conditionsSummary", "urgentMedicalNeed", "pregnant"]],
  ["mhpss", ["distressLevel", "priorSupportReceived", "priorSupportSummary"]],
  ["financial", ["paymentChannel", "accountHolderName", "accountReference"]],
  ["education", ["enrolmentStatus", "grade", "schoolName", "needsSchoolTransport"]],
] as const satisfies readonly (readonly [keyof Package, readonly string[]])[];

const ENUM = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/;

function minutes(value: unknown): string {
  const total = Number(value ?? 0);
  const hours = Math.floor(total / 60);
  return `${String(hours).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

/** Renders one field's value the way a caseworker reads it; free text and names are isolated with <bdi>. */
function useFieldValue() {
  const { t, i18n } = useTranslation("referral");
  const format = useFormat();
  const vocabulary = useVocabulary();
  const list = (items: string[]) => new Intl.ListFormat(i18n.language, { type: "conjunction" }).format(items);
  const languageName = (code: string) => {
    try {
      return new Intl.DisplayNames(i18n.language, { type: "language" }).of(code) ?? code;
    } catch {
      return code;
    }
  };
  const regionName = (code: string) => {
    if (code === "XX") return t("package.stateless");
    try {
      return new Intl.DisplayNames(i18n.language, { type: "region" }).of(code) ?? code;
    } catch {
      return code;
    }
  };
  return (field: string, value: unknown): ReactNode => {
    if (value === undefined || value === null || value === "") return null;
    if (typeof value === "boolean") return value ? t("yes") : t("no");
    if (field === "birthYear" || field === "grade") return String(value);
    if (field === "preferredLanguage" || field === "interpreterLanguage") return languageName(String(value));
    if (field === "nationality") return regionName(String(value));
    if (typeof value === "number") return format.number(value);
    if (field === "residence" && typeof value === "object") {
      const location = value as { provinceName?: string; provinceCode?: string; districtName?: string };
      return (
        <bdi>
          {[location.districtName, location.provinceName ?? location.provinceCode].filter(Boolean).join(", ")}
        </bdi>
      );
    }
    if (field === "safeWindows" && Array.isArray(value)) {
      if (value.length === 0) return null;
      return (
        <ul className="plain">
          {value.map((window: { days?: string[]; startMinute?: number; endMinute?: number }, index) => (
            // Windows have no identity of their own; their order is the package's.
            // biome-ignore lint/suspicious/noArrayIndexKey: a window is only its position in the list
            <li key={index}>
              {t("package.window", {
                days: list((window.days ?? []).map((day) => vocabulary(day))),
                start: minutes(window.startMinute),
                end: minutes(window.endMinute),
              })}
            </li>
          ))}
        </ul>
      );
    }
    if (field === "answers" && Array.isArray(value)) {
      if (value.length === 0) return null;
      return (
        <ul className="plain">
          {value.map((answer: { domain?: string; severity?: string }) => (
            <li key={answer.domain}>
              {vocabulary(answer.domain)}: {vocabulary(answer.severity)}
            </li>
          ))}
        </ul>
      );
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return null;
      return list(
        value.map((item) => (typeof item === "string" && ENUM.test(item) ? vocabulary(item) : String(item))),
      );
    }
    if (typeof value === "string") {
      if (ENUM.test(value)) return vocabulary(value);
      if (/^\d+$/.test(value)) return format.number(value);
      return <bdi>{value}</bdi>;
    }
    return null;
  };
}

function Fields({ fields, data, section }: { fields: readonly string[]; data: object; section: string }) {
  const { t } = useTranslation("referral");
  const showValue = useFieldValue();
  const record = data as Record<string, unknown>;
  const shown = fields
    .map((field) => ({ field, value: showValue(field, record[field]) }))
    .filter((entry) => entry.value !== null);
  if (shown.length === 0) return <p className="empty">{t("package.sectionEmpty")}</p>;
  return (
    <dl className="facts">
      {shown.map(({ field, value }) => (
        <Fragment key={field}>
          <dt>{t(`field.${section}.${field}`)}</dt>
          <dd>{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** The referral package as far as this caller may see it, and a note of what was withheld. */
export function PackageView({
  referralPackage,
  withheld,
}: {
  referralPackage: Package | undefined;
  withheld: readonly string[];
}) {
  const { t } = useTranslation("referral");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const showValue = useFieldValue();
  const sections = SECTIONS.filter(([key]) => referralPackage?.[key] !== undefined);
  return (
    <section aria-labelledby="package-title" className="package">
      <h2 id="package-title">{t("package.title")}</h2>
      {withheld.length > 0 ? (
        <div className="withheld" role="note">
          <p>{t("package.withheld", { count: withheld.length })}</p>
          <ul className="plain">
            {withheld.map((category) => (
              <li key={category}>{vocabulary(category)}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {referralPackage ? (
        <>
          <h3>{t("package.request")}</h3>
          <dl className="facts">
            <dt>{t("package.reasonForReferral")}</dt>
            <dd>
              {referralPackage.reasonForReferral ? <bdi>{referralPackage.reasonForReferral}</bdi> : "—"}
            </dd>
            <dt>{t("package.consentExpiresAt")}</dt>
            <dd>{format.date(referralPackage.consentExpiresAt)}</dd>
            <dt>{t("package.sharedCategories")}</dt>
            <dd>{showValue("sharedDataCategories", referralPackage.sharedDataCategories) ?? "—"}</dd>
            {referralPackage.languageNeeds ? (
              <>
                <dt>{t("field.contact.preferredLanguage")}</dt>
                <dd>
                  {showValue("preferredLanguage", referralPackage.languageNeeds.preferredLanguage) ?? "—"}
                </dd>
                <dt>{t("field.contact.interpreterNeeded")}</dt>
                <dd>
                  {showValue("interpreterNeeded", referralPackage.languageNeeds.interpreterNeeded ?? false)}
                  {referralPackage.languageNeeds.interpreterLanguage
                    ? ` (${showValue("interpreterLanguage", referralPackage.languageNeeds.interpreterLanguage)})`
                    : null}
                </dd>
              </>
            ) : null}
          </dl>
          {sections.map(([key, fields]) => (
            <section key={key} aria-labelledby={`section-${key}`}>
              <h3 id={`section-${key}`}>{t(`section.${key}`)}</h3>
              <Fields fields={fields} data={referralPackage[key] as object} section={key} />
            </section>
          ))}
          {sections.length === 0 ? <p className="empty">{t("package.noSections")}</p> : null}
        </>
      ) : (
        <p className="empty">{t("package.none")}</p>
      )}
    </section>
  );
}
