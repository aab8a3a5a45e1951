// Form values as the contracts want them: HTML date inputs give local calendar values, the API
// takes RFC 3339 instants; the server names a wrong field in snake_case (proto) or lowerCamelCase.

/** "2026-12-07" (a date input) → the instant that day starts in this browser's time zone. */
export function dateToTimestamp(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** "2026-12-07T10:30" (a datetime-local input) → that local time as an instant. */
export function localDateTimeToTimestamp(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Whether an instant is later than now (with a minute of grace for clock skew). */
export function isFuture(timestamp: string, now: number): boolean {
  return Date.parse(timestamp) > now + 60_000;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_m, letter: string) => letter.toUpperCase());
}

/** The server's reason for one field (by its proto name), if it named that field. */
export function fieldReason(
  invalidParams: readonly { name: string; reason: string }[] | undefined,
  field: string,
): string | undefined {
  if (!invalidParams) return undefined;
  const wanted = camel(field);
  return invalidParams.find(
    (param) => camel(param.name) === wanted || camel(param.name).endsWith(`.${wanted}`),
  )?.reason;
}
