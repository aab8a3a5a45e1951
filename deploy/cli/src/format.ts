import { enumName, type ProtoEnum } from "./enums.js";

/** A plain-text table: a header row, a rule, and left-aligned columns sized to their content. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, i) =>
    Math.max(width(header), ...rows.map((row) => width(row[i] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map((row) => line(row))].join("\n");
}

/** Display width, counting combining marks as zero (Turkish dotted İ, Arabic diacritics). */
function width(text: string): number {
  return [...text.normalize("NFC")].filter((c) => !/\p{M}/u.test(c)).length;
}

function pad(text: string, to: number): string {
  return text + " ".repeat(Math.max(0, to - width(text)));
}

/** `2026-11-25 14:03` in the local time zone; `-` when unset. */
export function time(value: Date | undefined): string {
  if (!value) return "-";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${value.getFullYear()}-${two(value.getMonth() + 1)}-${two(value.getDate())} ${two(value.getHours())}:${two(value.getMinutes())}`;
}

/** A duration like `2d 3h`, `5h 10m`, `42m`, `<1m`. */
export function duration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return mins > 0 ? `${hours}h ${mins}m` : `${hours}h`;
  return mins > 0 ? `${mins}m` : "<1m";
}

/** Names of enum values, comma-separated, `-` for none. */
export function names(enumObject: ProtoEnum, values: readonly number[] | undefined): string {
  const list = (values ?? []).filter((v) => v !== 0).map((v) => enumName(enumObject, v));
  return list.length > 0 ? list.join(",") : "-";
}

/** A rate as a percentage, `-` when there is none. */
export function percent(rate: number | undefined): string {
  return rate === undefined ? "-" : `${(rate * 100).toFixed(0)}%`;
}

/** Seconds as a duration, `-` when unset. */
export function seconds(value: number | undefined): string {
  return value === undefined ? "-" : duration(value * 1000);
}

/** Aligned `key: value` lines. */
export function fields(entries: readonly (readonly [string, string | undefined])[]): string {
  const shown = entries.filter(([, value]) => value !== undefined && value !== "");
  const w = Math.max(0, ...shown.map(([key]) => key.length));
  return shown.map(([key, value]) => `${`${key}:`.padEnd(w + 2)}${value}`).join("\n");
}
