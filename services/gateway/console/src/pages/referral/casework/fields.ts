// Ties a problem's named fields (proto3 JSON paths such as `amount.amountMinor` or
// `actions[0].description`) to the inputs of a form, so each input can say it is invalid and why.

export interface NamedProblem {
  invalidParams: readonly { name: string; reason: string }[];
}

/** The reasons the server gave for `field` or anything inside it; undefined when it named none. */
export function fieldReasons(error: NamedProblem | null | undefined, field: string): string | undefined {
  if (!error || !("invalidParams" in error)) return undefined;
  const reasons = error.invalidParams
    .filter(
      (param) =>
        param.name === field || param.name.startsWith(`${field}.`) || param.name.startsWith(`${field}[`),
    )
    .map((param) => param.reason);
  return reasons.length > 0 ? reasons.join("; ") : undefined;
}

/** A positive whole number typed in a field (Arabic-Indic digits too), or undefined. */
export function parseCount(text: string): number | undefined {
  const western = text
    .trim()
    .replace(/[٠-٩]/g, (digit) => String("٠١٢٣٤٥٦٧٨٩".indexOf(digit)))
    .replace(/[۰-۹]/g, (digit) => String("۰۱۲۳۴۵۶۷۸۹".indexOf(digit)));
  if (!/^\d+$/.test(western)) return undefined;
  const value = Number(western);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A `datetime-local` value (the browser's local time) as an RFC 3339 instant, or undefined. */
export function localDateTimeToInstant(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A `date` value as the end of that local day, as an RFC 3339 instant (for review and due dates). */
export function localDateToInstant(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T23:59:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Now as a `datetime-local` value in the browser's time zone (the default "held at"). */
export function nowLocalDateTime(now = new Date()): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}`;
}
