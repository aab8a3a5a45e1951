import { stdSerializers } from "pino";

/** SQLSTATE class 22, data exception: its messages quote the offending input. */
const DATA_EXCEPTION = /^22[0-9A-Z]{3}$/;

function quotesInput(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  // pg and PGlite both set `severity`; other libraries' 5-character codes are left alone.
  return typeof code === "string" && typeof severity === "string" && DATA_EXCEPTION.test(code);
}

/** Every error reachable through `cause` and `errors` (AggregateError). */
function chain(error: unknown, seen = new Set<unknown>()): unknown[] {
  if (error === null || typeof error !== "object" || seen.has(error)) return [];
  seen.add(error);
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  return [
    error,
    ...chain(cause, seen),
    ...(Array.isArray(errors) ? errors.flatMap((inner) => chain(inner, seen)) : []),
  ];
}

/** A copy of `value` with each withheld message replaced; the logged objects stay untouched. */
function replaceIn(value: unknown, withheld: ReadonlyMap<string, string>, depth = 0): unknown {
  if (typeof value === "string") {
    let text = value;
    for (const [message, replacement] of withheld) text = text.replaceAll(message, replacement);
    return text;
  }
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((inner) => replaceIn(inner, withheld, depth + 1));
  const copy: Record<string, unknown> = {};
  // for…in: pino's serialized error keeps `type`, `message` and `stack` on its prototype.
  for (const key in value) {
    copy[key] = replaceIn((value as Record<string, unknown>)[key], withheld, depth + 1);
  }
  return copy;
}

/**
 * pino's error serializer, minus what a database driver's error quotes from the data: the
 * message of a PostgreSQL data exception (`invalid input syntax for type uuid: "…"`) is
 * withheld wherever it appears (the error itself, a wrapper's message, a cause's stack). The
 * driver's own fields (`detail`, `where`, `params`, …) are dropped by the line check, at any
 * depth, so an error logged under any key is covered.
 */
export function serializeError(error: unknown): unknown {
  const withheld = new Map<string, string>();
  for (const inner of chain(error)) {
    if (quotesInput(inner) && inner.message !== "") {
      withheld.set(inner.message, `[message withheld: SQLSTATE ${inner.code} quotes the input]`);
    }
  }
  const serialized = stdSerializers.err(error as Error);
  return withheld.size === 0 ? serialized : replaceIn(serialized, withheld);
}
