import { type ContactSection, type SafeContactWindow, Weekday } from "@kopru/contracts/referral/v1/package";

// When a person may be contacted: the contact section's `safe_to_contact` and its weekly safe windows,
// read in the network's local time (ADR 0018). Pure: the time comes from the caller's clock.

/** The time zone safe-contact windows are written in. */
export const SAFE_CONTACT_TIME_ZONE = "Europe/Istanbul";

const MINUTES_PER_DAY = 1_440;
const MINUTE_MS = 60_000;

/** A window's next occurrence, as instants. */
export interface WindowOccurrence {
  start: Date;
  end: Date;
  /** "Mon 10:00-12:00" in the windows' time zone. */
  label: string;
}

export type ContactCheck =
  | { allowed: true }
  | { allowed: false; reason: "not_safe_to_contact" }
  | { allowed: false; reason: "outside_safe_contact_window"; next: WindowOccurrence | undefined };

interface LocalTime {
  year: number;
  month: number;
  day: number;
  /** ISO 8601: Monday 1 … Sunday 7. */
  weekday: Weekday;
  minute: number;
}

const WEEKDAY_SHORT: Record<string, Weekday> = {
  Mon: Weekday.WEEKDAY_MONDAY,
  Tue: Weekday.WEEKDAY_TUESDAY,
  Wed: Weekday.WEEKDAY_WEDNESDAY,
  Thu: Weekday.WEEKDAY_THURSDAY,
  Fri: Weekday.WEEKDAY_FRIDAY,
  Sat: Weekday.WEEKDAY_SATURDAY,
  Sun: Weekday.WEEKDAY_SUNDAY,
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function localTime(at: Date, timeZone: string): LocalTime {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      weekday: "short",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAY_SHORT[parts.weekday ?? ""] ?? Weekday.WEEKDAY_UNSPECIFIED,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** The instant at which the local wall clock of `timeZone` shows `minute` on that date. */
function instantOf(year: number, month: number, day: number, minute: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day) + minute * MINUTE_MS;
  let guess = wall;
  // Two rounds settle the zone's offset at that instant (Türkiye has had none to settle since 2016).
  for (let i = 0; i < 2; i++) {
    const seen = localTime(new Date(guess), timeZone);
    const seenWall = Date.UTC(seen.year, seen.month - 1, seen.day) + seen.minute * MINUTE_MS;
    guess += wall - seenWall;
  }
  return new Date(guess);
}

function hhmm(minute: number): string {
  const h = Math.floor(minute / 60);
  const m = minute % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

const DAY_LABEL: Record<number, string> = {
  [Weekday.WEEKDAY_MONDAY]: "Mon",
  [Weekday.WEEKDAY_TUESDAY]: "Tue",
  [Weekday.WEEKDAY_WEDNESDAY]: "Wed",
  [Weekday.WEEKDAY_THURSDAY]: "Thu",
  [Weekday.WEEKDAY_FRIDAY]: "Fri",
  [Weekday.WEEKDAY_SATURDAY]: "Sat",
  [Weekday.WEEKDAY_SUNDAY]: "Sun",
};

/** "Mon, Tue 10:00-12:00" — how a window reads to staff (in SAFE_CONTACT_TIME_ZONE). */
export function describeWindow(window: SafeContactWindow): string {
  const days = [...new Set(window.days)].sort((a, b) => a - b).map((d) => DAY_LABEL[d] ?? "?");
  return `${days.join(", ")} ${hhmm(window.startMinute)}-${hhmm(window.endMinute)}`;
}

/** The first window start after `at` (looking one week ahead), or undefined when there is none. */
export function nextWindow(
  windows: readonly SafeContactWindow[],
  at: Date,
  timeZone: string = SAFE_CONTACT_TIME_ZONE,
): WindowOccurrence | undefined {
  const now = localTime(at, timeZone);
  let best: WindowOccurrence | undefined;
  for (let offset = 0; offset <= 7; offset++) {
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day + offset));
    const weekday = ((now.weekday - 1 + offset) % 7) + 1;
    for (const window of windows) {
      if (!window.days.includes(weekday)) continue;
      const start = instantOf(
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        window.startMinute,
        timeZone,
      );
      if (start.getTime() <= at.getTime()) continue;
      if (best && best.start.getTime() <= start.getTime()) continue;
      best = {
        start,
        end: new Date(start.getTime() + (window.endMinute - window.startMinute) * MINUTE_MS),
        label: `${DAY_LABEL[weekday]} ${hhmm(window.startMinute)}-${hhmm(window.endMinute)}`,
      };
    }
    if (best) return best;
  }
  return best;
}

/**
 * Whether the person may be contacted at `at`: never when the contact section says they are not safe
 * to contact; otherwise inside one of the safe windows, or at any time when there are none (the free
 * text `safe_times` is advice for staff, not a rule a machine can read).
 */
export function checkContactAttempt(
  contact: Pick<ContactSection, "safeToContact" | "safeWindows">,
  at: Date,
  timeZone: string = SAFE_CONTACT_TIME_ZONE,
): ContactCheck {
  if (!contact.safeToContact) return { allowed: false, reason: "not_safe_to_contact" };
  if (contact.safeWindows.length === 0) return { allowed: true };
  const now = localTime(at, timeZone);
  const inside = contact.safeWindows.some(
    (w) => w.days.includes(now.weekday) && now.minute >= w.startMinute && now.minute < w.endMinute,
  );
  if (inside) return { allowed: true };
  return {
    allowed: false,
    reason: "outside_safe_contact_window",
    next: nextWindow(contact.safeWindows, at, timeZone),
  };
}

/** What is wrong with each window, by field (`<field>[i].days`, …); empty when all are valid. */
export function safeWindowProblems(
  windows: readonly SafeContactWindow[],
  field: string,
): { field: string; description: string }[] {
  const problems: { field: string; description: string }[] = [];
  if (windows.length > 21) problems.push({ field, description: "must hold at most 21 windows" });
  for (const [i, w] of windows.entries()) {
    const at = `${field}[${i}]`;
    if (w.days.length === 0)
      problems.push({ field: `${at}.days`, description: "must name at least one day" });
    if (w.days.some((d) => !(d >= Weekday.WEEKDAY_MONDAY && d <= Weekday.WEEKDAY_SUNDAY)))
      problems.push({ field: `${at}.days`, description: "must be days of the week (MONDAY to SUNDAY)" });
    if (!(w.startMinute >= 0 && w.startMinute < MINUTES_PER_DAY))
      problems.push({ field: `${at}.start_minute`, description: "must be 0-1439 (minutes after midnight)" });
    if (!(w.endMinute > w.startMinute && w.endMinute <= MINUTES_PER_DAY))
      problems.push({
        field: `${at}.end_minute`,
        description: "must be after start_minute and at most 1440 (a window never crosses midnight)",
      });
  }
  return problems;
}
