import { useTranslation } from "react-i18next";

/**
 * Labels of the contracts' enum values (proto3 JSON names such as `REFERRAL_STATUS_ACCEPTED`) in
 * the user's language, from the `vocabulary` namespace; a test holds every value the console can
 * show to a label in each language. An unknown value shows as itself rather than blank.
 */
export function useVocabulary(): (value: string | undefined | null) => string {
  const { t } = useTranslation("vocabulary");
  return (value) => (value ? t(value, { defaultValue: value }) : "—");
}
