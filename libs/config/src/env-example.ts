import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError, type EnvSchema, loadConfig, presentValue } from "./load.js";

interface ExampleEntry {
  variable: string;
  value: string;
  /** `# NAME=value`: documented but left unset, as optional variables usually are. */
  commented: boolean;
  line: number;
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;
// Upper case only, so prose such as "# see foo=bar" is not taken for a variable.
const COMMENTED_ASSIGNMENT = /^\s*#\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/;

function unquote(rawValue: string): string {
  const value = rawValue.trim();
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length >= 2) {
    const end = value.indexOf(quote, 1);
    if (end > 0) {
      const inner = value.slice(1, end);
      return quote === '"' ? inner.replace(/\\n/g, "\n") : inner;
    }
  }
  const comment = value.search(/\s#/);
  return (comment >= 0 ? value.slice(0, comment) : value).trim();
}

export function parseEnvExample(text: string): ExampleEntry[] {
  const entries: ExampleEntry[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const active = ASSIGNMENT.exec(line);
    const commented = active ? null : COMMENTED_ASSIGNMENT.exec(line);
    const match = active ?? commented;
    if (!match?.[1]) continue;
    entries.push({
      variable: match[1],
      value: unquote(match[2] ?? ""),
      commented: commented !== null,
      line: index + 1,
    });
  }
  return entries;
}

export interface EnvExampleOptions {
  /** Variables the example may document although the schema does not read them (e.g. NODE_OPTIONS). */
  allowExtra?: readonly string[];
}

/**
 * Compares an `.env.example` text with a schema and returns the problems (empty when it is
 * true): schema variables not documented, documented variables the schema does not know,
 * duplicates, and example values the schema rejects. Commented lines (`# NAME=value`) count
 * as documented and their values are checked too; the active lines together must load.
 */
export function checkEnvExample(schema: EnvSchema, text: string, options: EnvExampleOptions = {}): string[] {
  const known = new Set(Object.keys(schema.shape));
  const extra = new Set(options.allowExtra ?? []);
  const entries = parseEnvExample(text);
  const problems: string[] = [];

  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.variable)) {
      problems.push(`${entry.variable}: documented more than once (line ${entry.line})`);
    }
    seen.add(entry.variable);
    if (!known.has(entry.variable) && !extra.has(entry.variable)) {
      problems.push(`${entry.variable}: in .env.example but not in the schema (line ${entry.line})`);
    }
  }
  for (const variable of known) {
    if (!seen.has(variable)) problems.push(`${variable}: in the schema but not documented in .env.example`);
  }

  for (const entry of entries) {
    if (!entry.commented || !known.has(entry.variable) || presentValue(entry.value) === undefined) continue;
    try {
      const field = z.object({ [entry.variable]: schema.shape[entry.variable] as z.ZodType });
      loadConfig(field, { [entry.variable]: entry.value });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.issues) {
        problems.push(`${issue.variable}: ${issue.message} (commented example, line ${entry.line})`);
      }
    }
  }

  const activeEnv = Object.fromEntries(
    entries.filter((entry) => !entry.commented).map((entry) => [entry.variable, entry.value]),
  );
  try {
    loadConfig(schema, activeEnv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) {
      const where = issue.message === "required" ? "the example must set it" : "example value";
      problems.push(`${issue.variable}: ${issue.message} (${where})`);
    }
  }
  return problems;
}

/** `checkEnvExample` on a file, e.g. `new URL("../.env.example", import.meta.url)`. */
export function checkEnvExampleFile(
  schema: EnvSchema,
  file: string | URL,
  options: EnvExampleOptions = {},
): string[] {
  return checkEnvExample(schema, readFileSync(file, "utf8"), options);
}
