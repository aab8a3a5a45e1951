/**
 * ADM1 p-codes of the provinces the network works in (humanitarian p-codes follow the licence-plate
 * numbers), for display names. Codes outside this list are accepted; they just show without a name.
 */
export const PROVINCES: Readonly<Record<string, string>> = Object.freeze({
  TUR001: "Adana",
  TUR006: "Ankara",
  TUR027: "Gaziantep",
  TUR031: "Hatay",
  TUR033: "Mersin",
  TUR034: "İstanbul",
  TUR046: "Kahramanmaraş",
  TUR063: "Şanlıurfa",
  TUR079: "Kilis",
  TUR080: "Osmaniye",
});

export function provinceName(code: string | undefined): string | undefined {
  return code ? PROVINCES[code] : undefined;
}

/** `Gaziantep (TUR027)`, or the bare code when it is not in the list. */
export function provinceLabel(code: string | undefined): string {
  if (!code) return "-";
  const name = provinceName(code);
  return name ? `${name} (${code})` : code;
}
