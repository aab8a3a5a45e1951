import i18next, { type Resource } from "i18next";
import { initReactI18next } from "react-i18next";

/** The console's languages: Turkish, Arabic (right to left) and English. */
export const LANGUAGES = ["tr", "ar", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = "kopru-console-language";

// Every namespace of every language, bundled: the catalogues are small, and a console that lost its
// connection must still be able to switch language.
const catalogues = import.meta.glob<{ default: Record<string, unknown> }>("./locales/*/*.json", {
  eager: true,
});

function resources(): Resource {
  const result: Resource = {};
  for (const [path, module] of Object.entries(catalogues)) {
    const match = /\.\/locales\/(\w+)\/([\w-]+)\.json$/.exec(path);
    if (!match) continue;
    const [, language = "", namespace = ""] = match;
    result[language] = { ...result[language], [namespace]: module.default };
  }
  return result;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

export function directionOf(language: Language): "rtl" | "ltr" {
  return language === "ar" ? "rtl" : "ltr";
}

/** The stored choice, else the browser's first supported language, else Turkish. */
export function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  for (const tag of navigator.languages ?? []) {
    const base = tag.split("-")[0];
    if (isLanguage(base)) return base;
  }
  return "tr";
}

function applyToDocument(language: Language): void {
  document.documentElement.lang = language;
  document.documentElement.dir = directionOf(language);
}

export async function setupI18n(): Promise<typeof i18next> {
  const language = initialLanguage();
  await i18next.use(initReactI18next).init({
    resources: resources(),
    lng: language,
    fallbackLng: false,
    supportedLngs: [...LANGUAGES],
    defaultNS: "common",
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyToDocument(language);
  return i18next;
}

export async function changeLanguage(language: Language): Promise<void> {
  localStorage.setItem(STORAGE_KEY, language);
  await i18next.changeLanguage(language);
  applyToDocument(language);
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : "tr";
}
