import { z } from "zod";

/**
 * A schema for one environment variable: reads the raw string, yields the typed value.
 * Every builder below returns one, so `.optional()` and `.default(value)` work on all of them.
 */
export type EnvField<T> = z.ZodType<T, string>;

/**
 * Builds a field from a parse function. The message is "expected …" so that `loadConfig`
 * can append what was received (or hide it for secrets) in one place.
 */
export function envField<T>(expected: string, parse: (raw: string) => T | undefined): EnvField<T> {
  return z.string().transform((raw, ctx) => {
    const value = parse(raw.trim());
    if (value === undefined) {
      ctx.issues.push({ code: "custom", message: expected, input: raw });
      return z.NEVER;
    }
    return value;
  });
}

const INTEGER = /^[+-]?\d+$/;

export interface IntegerOptions {
  min?: number;
  max?: number;
}

export function integer({ min, max }: IntegerOptions = {}): EnvField<number> {
  const range =
    min !== undefined && max !== undefined
      ? ` between ${min} and ${max}`
      : min !== undefined
        ? ` of at least ${min}`
        : max !== undefined
          ? ` of at most ${max}`
          : "";
  return envField(`expected an integer${range}`, (raw) => {
    if (!INTEGER.test(raw)) return undefined;
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) return undefined;
    if (min !== undefined && value < min) return undefined;
    if (max !== undefined && value > max) return undefined;
    return value;
  });
}

export interface PortOptions {
  /** Accept 0 (the OS picks a free port), which tests use to run many servers side by side. */
  allowEphemeral?: boolean;
}

export function port({ allowEphemeral = false }: PortOptions = {}): EnvField<number> {
  return integer({ min: allowEphemeral ? 0 : 1, max: 65535 });
}

export interface UrlOptions {
  /** Accepted schemes, with or without the colon: `["nats", "tls"]`, `["postgres:", "postgresql:"]`. */
  protocols?: readonly string[];
}

/** Yields the URL as written (not `URL#href`, which would re-encode credentials and paths). */
export function url({ protocols }: UrlOptions = {}): EnvField<string> {
  const accepted = protocols?.map((p) => (p.endsWith(":") ? p : `${p}:`).toLowerCase());
  const expected = accepted
    ? `expected a ${accepted.map((p) => `${p}//`).join(" or ")} URL`
    : "expected a URL";
  return envField(expected, (raw) => {
    if (!URL.canParse(raw)) return undefined;
    if (accepted && !accepted.includes(new URL(raw).protocol)) return undefined;
    return raw;
  });
}

export function optionalUrl(options: UrlOptions = {}) {
  return url(options).optional();
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function logLevel(): EnvField<LogLevel> {
  return envField(`expected one of ${LOG_LEVELS.join(", ")}`, (raw) => {
    const level = raw.toLowerCase();
    return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : undefined;
  });
}

const DURATION = /^(\d+)\s*(ms|s|m|h|d)?$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses a duration into milliseconds. */
export function parseDuration(raw: string): number | undefined {
  const match = DURATION.exec(raw.trim().toLowerCase());
  if (!match?.[1]) return undefined;
  const unit = (match[2] ?? "ms") as keyof typeof UNIT_MS;
  const value = Number(match[1]) * UNIT_MS[unit];
  return Number.isSafeInteger(value) ? value : undefined;
}

/** "250ms", "30s", "5m", "24h", "14d", or whole milliseconds ("1500"); yields milliseconds. */
export function duration(): EnvField<number> {
  return envField(
    'expected a duration such as "30s", "5m", "24h", "14d" or whole milliseconds',
    parseDuration,
  );
}

const TRUE = new Set(["true", "1"]);
const FALSE = new Set(["false", "0"]);

/** true/false/1/0, any case. Anything else is an error rather than silently false. */
export function boolean(): EnvField<boolean> {
  return envField("expected true, false, 1 or 0", (raw) => {
    const value = raw.toLowerCase();
    return TRUE.has(value) ? true : FALSE.has(value) ? false : undefined;
  });
}

export function nonEmptyString(): EnvField<string> {
  return envField("expected a non-empty string", (raw) => (raw.length > 0 ? raw : undefined));
}

/**
 * A comma-separated list; blanks between commas are dropped. With `item`, every entry is
 * validated and converted by that field: `csv(url({ protocols: ["nats"] }))`.
 */
export function csv(): EnvField<string[]>;
export function csv<T>(item: EnvField<T>): EnvField<T[]>;
export function csv<T>(item?: EnvField<T>): EnvField<Array<T | string>> {
  return z.string().transform((raw, ctx) => {
    const entries = raw
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    if (!item) return entries;
    const values: T[] = [];
    for (const [index, entry] of entries.entries()) {
      const result = item.safeParse(entry);
      if (!result.success) {
        const reason = result.error.issues[0]?.message ?? "invalid";
        ctx.issues.push({
          code: "custom",
          message: `expected a comma-separated list; item ${index + 1}: ${reason}`,
          input: raw,
        });
        return z.NEVER;
      }
      values.push(result.data);
    }
    return values;
  });
}
