import { useTranslation } from "react-i18next";

/** Joins labels as a list in the user's language ("a, b and c"; Arabic with its own comma). */
export function useListFormat(): (items: readonly string[]) => string {
  const { i18n } = useTranslation();
  const format = new Intl.ListFormat(i18n.language, { style: "long", type: "unit" });
  return (items) => format.format(items);
}
