/**
 * Keys whose values are personal data (or sensitive categories of it) and never reach a log.
 * Matching ignores case, `_` and `-`, so `given_name`, `GivenName` and `given-name` are caught
 * too (database rows are snake_case, proto JSON is camelCase).
 */
export const PII_LOG_KEYS = [
  "givenName",
  "familyName",
  "name",
  "fullName",
  "phone",
  "phoneNumber",
  "email",
  "address",
  "addressLine",
  "documentNumber",
  "dateOfBirth",
  "birthDate",
  "accountReference",
  "accountHolderName",
  "iban",
  "notes",
  "reasonForReferral",
  "gbv",
  "childProtection",
  "health",
  "mhpss",
  "identity",
  "contact",
] as const;

/** Credentials: not personal data, but never logged either. */
export const SECRET_LOG_KEYS = ["authorization", "cookie", "setCookie", "password", "token"] as const;

/**
 * Fields of database driver errors that quote the data a statement touched: PostgreSQL's
 * `detail` ("Key (name)=(…) already exists", "Failing row contains (…)"), `hint`, `where` (the
 * PL/pgSQL context, with variable values) and `internalQuery` (as pg's DatabaseError has them);
 * PGlite's `params` and `queryOptions`, which it adds to every error it throws.
 */
export const DRIVER_ERROR_LOG_KEYS = [
  "detail",
  "hint",
  "where",
  "internalQuery",
  "params",
  "parameters",
  "queryOptions",
] as const;

export const REDACTED = "[redacted]";

function normalize(key: string): string {
  return key.replace(/[_-]/g, "").toLowerCase();
}

const REDACTED_KEYS = new Set([...PII_LOG_KEYS, ...SECRET_LOG_KEYS, ...DRIVER_ERROR_LOG_KEYS].map(normalize));

export function isRedactedLogKey(key: string): boolean {
  return REDACTED_KEYS.has(normalize(key));
}

/**
 * A copy of a JSON-shaped value with the value of every redacted key, at any depth and
 * inside arrays, replaced by "[redacted]". Values that are not plain objects or arrays are
 * returned as they are.
 */
export function redactPersonalData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redactPersonalData) as T;
  if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) {
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    copy[key] = isRedactedLogKey(key) ? REDACTED : redactPersonalData(inner);
  }
  return copy as T;
}

// Every JSON key in a serialized line, to decide cheaply whether it needs parsing at all.
const JSON_KEY = /"((?:[^"\\]|\\.)*)":/g;

/**
 * Redacts one serialized NDJSON log line. Most lines hold no redacted key and are returned
 * untouched after a scan; the rest are parsed, redacted and serialized again.
 */
export function redactLogLine(line: string): string {
  let hit = false;
  for (const match of line.matchAll(JSON_KEY)) {
    if (match[1] !== undefined && isRedactedLogKey(match[1])) {
      hit = true;
      break;
    }
  }
  if (!hit) return line;
  const newline = line.endsWith("\n") ? "\n" : "";
  try {
    return JSON.stringify(redactPersonalData(JSON.parse(line))) + newline;
  } catch {
    // Not one JSON value (a custom formatter?): refuse to write what cannot be checked.
    return `${JSON.stringify({ msg: "log line dropped: could not be checked for personal data" })}${newline}`;
  }
}
