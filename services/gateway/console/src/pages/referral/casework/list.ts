/** Labels listed the way the language lists them ("A, B and C", "A, B ve C", "A وB وC"), through Intl. */
export function formatList(labels: readonly string[], language: string): string {
  if (labels.length === 0) return "—";
  try {
    return new Intl.ListFormat(language, { style: "long", type: "conjunction" }).format(labels);
  } catch {
    return labels.join(", ");
  }
}
