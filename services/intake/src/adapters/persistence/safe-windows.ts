import type { SafeContactWindow } from "@kopru/contracts/referral/v1/package";

/** Safe-contact windows as stored (jsonb): days, start and end minute of each. */
export function safeWindowsJson(windows: readonly SafeContactWindow[]): string {
  return JSON.stringify(
    windows.map((w) => ({ days: [...w.days], startMinute: w.startMinute, endMinute: w.endMinute })),
  );
}

/** Read back: the driver gives parsed JSON (pg) or, from some paths, its text. */
export function safeWindowsOf(value: unknown): SafeContactWindow[] {
  const parsed = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(parsed)) return [];
  return parsed.map((w: { days?: number[]; startMinute?: number; endMinute?: number }) => ({
    days: [...(w.days ?? [])],
    startMinute: Number(w.startMinute ?? 0),
    endMinute: Number(w.endMinute ?? 0),
  }));
}
