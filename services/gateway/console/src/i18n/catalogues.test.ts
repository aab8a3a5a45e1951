import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fromBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { createInstance } from "i18next";
import { describe, expect, it } from "vitest";

// The console's translation catalogues, checked as data: every enum value of the contracts has a
// label in every language, and every namespace says the same things in Turkish, Arabic and English.

const LANGUAGES = ["en", "tr", "ar"] as const;
type Language = (typeof LANGUAGES)[number];
const LOCALES = new URL("./locales/", import.meta.url);

/** Enums the console never shows: the partner API's webhook machinery. */
const UNLABELLED_ENUMS = new Set([
  "kopru.gateway.v1.WebhookEventType",
  "kopru.gateway.v1.WebhookEndpointState",
  "kopru.gateway.v1.WebhookDeliveryState",
]);

/** Texts that stay the same in every language: the brand, file formats, each language's own name. */
const SAME_IN_EVERY_LANGUAGE = new Set(["Köprü", "CSV", "Excel", "XLSX", "Türkçe", "العربية", "English"]);

const PLURAL_KEY = /^(.+?)(_ordinal)?_(zero|one|two|few|many|other)$/;
const PLACEHOLDER = /\{\{\s*([\w.]+)[^}]*\}\}/g;

interface EnumValue {
  name: string;
  enumName: string;
}

/** Every value of every enum the contracts declare (top-level and nested in messages). */
function contractEnumValues(): EnumValue[] {
  const require = createRequire(import.meta.url);
  const set = fromBinary(
    FileDescriptorSetSchema,
    readFileSync(require.resolve("@kopru/contracts/descriptor-set")),
  );
  const values: EnumValue[] = [];
  const addEnums = (scope: string, enums: EnumDescriptorProto[]) => {
    for (const enumType of enums) {
      const enumName = `${scope}.${enumType.name}`;
      for (const value of enumType.value) values.push({ name: value.name, enumName });
    }
  };
  const addMessages = (scope: string, messages: DescriptorProto[]) => {
    for (const message of messages) {
      addEnums(`${scope}.${message.name}`, message.enumType);
      addMessages(`${scope}.${message.name}`, message.nestedType);
    }
  };
  for (const file of set.file) {
    if (!file.package.startsWith("kopru.")) continue;
    addEnums(file.package, file.enumType);
    addMessages(file.package, file.messageType);
  }
  return values;
}

/** A catalogue file's strings by dotted key path (i18next's default key separator). */
function flatten(value: unknown, prefix = "", into = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
  } else {
    into.set(prefix, value);
  }
  return into;
}

function namespacesOf(language: Language): string[] {
  try {
    return readdirSync(new URL(`${language}/`, LOCALES))
      .filter((file) => file.endsWith(".json"))
      .map((file) => file.slice(0, -".json".length));
  } catch {
    return []; // the locale folder test names the missing language
  }
}

function readCatalogue(language: Language, namespace: string): Record<string, unknown> | undefined {
  const file = new URL(`${language}/${namespace}.json`, LOCALES);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new Error(`locales/${language}/${namespace}.json is not valid JSON`, { cause });
  }
}

/** The key a plural form belongs to (`unread_one` → `unread`), with the plural kind, or the key itself. */
function baseOf(key: string): { base: string; plural?: "cardinal" | "ordinal"; form?: string } {
  const match = PLURAL_KEY.exec(key);
  if (!match) return { base: key };
  const [, base = key, ordinal, form] = match;
  return { base, plural: ordinal ? "ordinal" : "cardinal", form };
}

/**
 * One language's catalogue by key or plural base: "plain", "cardinal" or "ordinal" (with the plural
 * forms present), or "mixed" when a base is both a plain key and pluralised.
 */
function shapeOf(catalogue: Map<string, unknown>): Map<string, { kind: string; forms: Set<string> }> {
  const shape = new Map<string, { kind: string; forms: Set<string> }>();
  for (const key of catalogue.keys()) {
    const { base, plural, form } = baseOf(key);
    const entry = shape.get(base) ?? { kind: plural ?? "plain", forms: new Set<string>() };
    if (form) entry.forms.add(form);
    if (entry.kind !== (plural ?? "plain")) entry.kind = "mixed";
    shape.set(base, entry);
  }
  return shape;
}

function placeholders(text: unknown): string[] {
  if (typeof text !== "string") return [];
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ""))].sort();
}

const namespaces = [...new Set(LANGUAGES.flatMap(namespacesOf))].sort();
/** Namespace → language → the file as i18next gets it (absent when the file is missing). */
const files = new Map(
  namespaces.map((namespace) => [
    namespace,
    new Map(LANGUAGES.map((language) => [language, readCatalogue(language, namespace)] as const)),
  ]),
);
/** The same files flattened: namespace → language → key path → value. */
const catalogues = new Map(
  [...files].map(([namespace, byLanguage]) => [
    namespace,
    new Map([...byLanguage].map(([language, file]) => [language, file ? flatten(file) : undefined] as const)),
  ]),
);

function report(title: string, problems: string[]): string {
  return problems.length === 0 ? "" : `${title} (${problems.length}):\n  ${problems.join("\n  ")}`;
}

describe("console catalogues", () => {
  it("has a locale folder for each console language and nothing else", () => {
    const folders = readdirSync(LOCALES, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toEqual([...LANGUAGES].sort());
  });

  it("labels every enum value of the contracts in Turkish, Arabic and English", () => {
    const values = contractEnumValues().filter(
      (value) => !value.name.endsWith("_UNSPECIFIED") && !UNLABELLED_ENUMS.has(value.enumName),
    );
    expect(values.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const language of LANGUAGES) {
      const vocabulary = catalogues.get("vocabulary")?.get(language) ?? new Map<string, unknown>();
      // Enums of different packages may share value names (two `Weekday`s): one label serves both.
      const missing = new Map<string, string[]>();
      for (const value of values) {
        const label = vocabulary.get(value.name);
        if (typeof label === "string" && label.trim() !== "") continue;
        missing.set(value.name, [...(missing.get(value.name) ?? []), value.enumName]);
      }
      if (missing.size > 0) {
        const listed = [...missing].map(([name, enums]) => `${name} (${enums.join(", ")})`);
        problems.push(`${language}/vocabulary.json lacks ${missing.size}: ${listed.join(", ")}`);
      }
    }
    expect(problems, report("enum values without a label", problems)).toEqual([]);
  });

  it("labels only values the contracts have", () => {
    const known = new Set(contractEnumValues().map((value) => value.name));
    const problems: string[] = [];
    for (const language of LANGUAGES) {
      const vocabulary = catalogues.get("vocabulary")?.get(language) ?? new Map<string, unknown>();
      const unknown = [...vocabulary.keys()].filter((key) => !known.has(key));
      if (unknown.length > 0) {
        problems.push(`${language}/vocabulary.json: ${unknown.join(", ")}`);
      }
    }
    expect(problems, report("labels for values no contract enum has", problems)).toEqual([]);
  });

  it("has every namespace in every language, with the same keys", () => {
    const problems: string[] = [];
    for (const [namespace, byLanguage] of catalogues) {
      const shapes = new Map<Language, ReturnType<typeof shapeOf>>();
      for (const language of LANGUAGES) {
        const catalogue = byLanguage.get(language);
        if (catalogue) shapes.set(language, shapeOf(catalogue));
        else problems.push(`${language}/${namespace}.json is missing`);
      }
      const bases = new Set([...shapes.values()].flatMap((shape) => [...shape.keys()]));
      for (const base of [...bases].sort()) {
        const present = LANGUAGES.filter((language) => shapes.get(language)?.has(base));
        for (const language of LANGUAGES) {
          const entry = shapes.get(language)?.get(base);
          if (!shapes.has(language)) continue;
          if (!entry) {
            problems.push(`${language}/${namespace}.json lacks "${base}" (present in ${present.join(", ")})`);
            continue;
          }
          if (entry.kind === "mixed") {
            problems.push(
              `${language}/${namespace}.json has "${base}" both as a plain key and with plural suffixes`,
            );
            continue;
          }
          const kinds = new Set(LANGUAGES.map((other) => shapes.get(other)?.get(base)?.kind).filter(Boolean));
          if (kinds.size > 1 && entry.kind === "plain") {
            problems.push(
              `${language}/${namespace}.json has "${base}" as a plain key; other languages give it plural forms (${base}_one, ${base}_other…)`,
            );
            continue;
          }
          if (entry.kind !== "plain") {
            // i18next picks the form Intl.PluralRules names for the count; a missing one shows the key.
            const type = entry.kind === "ordinal" ? "ordinal" : "cardinal";
            const needed = new Intl.PluralRules(language, { type }).resolvedOptions().pluralCategories;
            const lacking = needed.filter((form) => !entry.forms.has(form));
            const prefix = entry.kind === "ordinal" ? `${base}_ordinal_` : `${base}_`;
            if (lacking.length > 0) {
              problems.push(
                `${language}/${namespace}.json lacks the plural form${lacking.length > 1 ? "s" : ""} ${lacking.map((form) => prefix + form).join(", ")}`,
              );
            }
          }
        }
      }
    }
    expect(problems, report("catalogue keys that differ between languages", problems)).toEqual([]);
  });

  it("has no empty or non-text labels", () => {
    const problems: string[] = [];
    for (const [namespace, byLanguage] of catalogues) {
      for (const [language, catalogue] of byLanguage) {
        for (const [key, value] of catalogue ?? []) {
          if (typeof value !== "string") {
            problems.push(`${language}/${namespace}.json "${key}" is not a string`);
          } else if (value.trim() === "") {
            problems.push(`${language}/${namespace}.json "${key}" is empty`);
          }
        }
      }
    }
    expect(problems, report("empty or non-text labels", problems)).toEqual([]);
  });

  it("translates every label outside the vocabulary (no English left in Turkish or Arabic)", () => {
    const problems: string[] = [];
    for (const [namespace, byLanguage] of catalogues) {
      if (namespace === "vocabulary") continue;
      const english = byLanguage.get("en");
      if (!english) continue;
      for (const language of LANGUAGES.filter((other) => other !== "en")) {
        for (const [key, value] of byLanguage.get(language) ?? []) {
          if (typeof value !== "string" || value !== english.get(key)) continue;
          if (SAME_IN_EVERY_LANGUAGE.has(value.trim()) || !/\p{L}/u.test(value)) continue;
          problems.push(`${language}/${namespace}.json "${key}" is still the English "${value}"`);
        }
      }
    }
    expect(
      problems,
      report(
        "labels identical to English (translate them, or add a brand/format name to the allow-list)",
        problems,
      ),
    ).toEqual([]);
  });

  it("uses the same interpolation placeholders in every language", () => {
    const problems: string[] = [];
    for (const [namespace, byLanguage] of catalogues) {
      const english = byLanguage.get("en");
      if (!english) continue;
      // Per key or plural base: the placeholders English uses in any of its forms.
      const expected = new Map<string, Set<string>>();
      for (const [key, value] of english) {
        const { base } = baseOf(key);
        const names = expected.get(base) ?? new Set<string>();
        for (const name of placeholders(value)) names.add(name);
        expected.set(base, names);
      }
      for (const language of LANGUAGES.filter((other) => other !== "en")) {
        for (const [key, value] of byLanguage.get(language) ?? []) {
          const { base, plural } = baseOf(key);
          const allowed = expected.get(base);
          if (!allowed) continue; // reported as a key mismatch
          const used = placeholders(value);
          const unknown = used.filter((name) => !allowed.has(name) && !(plural && name === "count"));
          if (unknown.length > 0) {
            problems.push(
              `${language}/${namespace}.json "${key}" uses {{${unknown.join("}}, {{")}}}, which English never passes`,
            );
          }
          if (!plural) {
            const dropped = [...allowed].filter((name) => !used.includes(name));
            if (dropped.length > 0) {
              problems.push(
                `${language}/${namespace}.json "${key}" leaves out {{${dropped.join("}}, {{")}}}`,
              );
            }
          }
        }
      }
    }
    expect(problems, report("placeholders that differ from English", problems)).toEqual([]);
  });

  it("resolves every vocabulary label through i18next as useVocabulary() looks it up", async () => {
    const resources = Object.fromEntries(
      LANGUAGES.map((language) => [
        language,
        Object.fromEntries(
          namespaces.map((namespace) => [namespace, files.get(namespace)?.get(language) ?? {}]),
        ),
      ]),
    );
    const i18n = createInstance();
    await i18n.init({
      resources,
      lng: "en",
      fallbackLng: false,
      supportedLngs: [...LANGUAGES],
      defaultNS: "common",
      interpolation: { escapeValue: false },
    });
    const problems: string[] = [];
    for (const language of LANGUAGES) {
      const t = i18n.getFixedT(language, "vocabulary");
      for (const [key, label] of catalogues.get("vocabulary")?.get(language) ?? []) {
        const shown = t(key, { defaultValue: key });
        if (shown !== label) problems.push(`${language}: ${key} shows "${shown}" instead of "${label}"`);
      }
    }
    expect(problems, report("vocabulary labels i18next does not resolve", problems)).toEqual([]);
  });
});
