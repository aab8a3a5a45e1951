// Languages an interpreter is commonly used for in the refugee response in Türkiye (BCP 47), named
// through Intl.DisplayNames in the user's own language, so no catalogue has to list them.
export const INTERPRETER_LANGUAGES = [
  "ar",
  "fa",
  "ps",
  "ku",
  "kmr",
  "ckb",
  "ur",
  "so",
  "fr",
  "en",
  "ru",
  "uk",
  "tr",
] as const;

export function languageName(code: string, displayLanguage: string): string {
  try {
    return new Intl.DisplayNames([displayLanguage], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}
