import type { UpdateContactDetailsRequest } from "@kopru/contracts/intake/v1/intake_service";
import {
  ContactAttemptMethod,
  ContactAttemptResult,
  type RecordContactAttemptRequest,
} from "@kopru/contracts/referral/v1/inbox_service";
import { ContactMethod, type SafeContactWindow, Weekday } from "@kopru/contracts/referral/v1/package";
import { parseEnum } from "./enums.js";
import { CliUsageError } from "./errors.js";

// Safe-contact options (ADR 0018): `--safe-window "mon-fri 10:00-12:00"` (Europe/Istanbul), repeated.

const DAYS: Record<string, Weekday> = {
  mon: Weekday.WEEKDAY_MONDAY,
  tue: Weekday.WEEKDAY_TUESDAY,
  wed: Weekday.WEEKDAY_WEDNESDAY,
  thu: Weekday.WEEKDAY_THURSDAY,
  fri: Weekday.WEEKDAY_FRIDAY,
  sat: Weekday.WEEKDAY_SATURDAY,
  sun: Weekday.WEEKDAY_SUNDAY,
};
const WINDOW = /^([a-z,-]+)\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const WINDOW_HELP = 'like "mon-fri 10:00-12:00" or "sat,sun 18:00-20:00" (Istanbul time)';

function day(token: string, window: string): Weekday {
  const found = DAYS[token.slice(0, 3)];
  if (!found) throw new CliUsageError(`--safe-window "${window}": unknown day "${token}"; ${WINDOW_HELP}`);
  return found;
}

/** "mon-fri 10:00-12:00" → a SafeContactWindow; days as a list and/or ranges (mon-wed,sat). */
export function safeWindow(value: string): SafeContactWindow {
  const text = value.trim().toLowerCase();
  const match = WINDOW.exec(text);
  if (!match) throw new CliUsageError(`--safe-window "${value}" must be ${WINDOW_HELP}`);
  const [, dayList = "", sh, sm, eh, em] = match;
  const days = new Set<Weekday>();
  for (const part of dayList.split(",").filter(Boolean)) {
    const [from, to] = part.split("-");
    const first = day(from ?? "", value);
    const last = to === undefined ? first : day(to, value);
    if (last < first) throw new CliUsageError(`--safe-window "${value}": ${part} runs backwards`);
    for (let d = first; d <= last; d++) days.add(d);
  }
  const startMinute = Number(sh) * 60 + Number(sm);
  const endMinute = Number(eh) * 60 + Number(em);
  if (
    Number(sm) > 59 ||
    Number(em) > 59 ||
    startMinute >= 1_440 ||
    endMinute > 1_440 ||
    endMinute <= startMinute
  ) {
    throw new CliUsageError(
      `--safe-window "${value}": hours must be within one day, end after start (give two windows across midnight)`,
    );
  }
  return { days: [...days].sort((a, b) => a - b), startMinute, endMinute };
}

/** "mon,tue 10:00-12:00": how a window reads (Istanbul time). */
export function windowText(window: SafeContactWindow): string {
  const names = Object.keys(DAYS);
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const days = window.days.map((d) => names[d - 1] ?? "?").join(",");
  return `${days} ${hhmm(window.startMinute)}-${hhmm(window.endMinute)}`;
}

export function safeWindows(values: readonly string[] | undefined): SafeContactWindow[] {
  return (values ?? []).map(safeWindow);
}

export interface ContactOptions {
  safeToContact?: boolean;
  safeTimes?: string;
  safeWindow?: string[];
  contactMethod?: string;
  phone?: string;
}

/** `beneficiary contact <id>`: the person's safe-contact details, replaced as given. */
export function contactRequest(
  beneficiaryId: string,
  o: ContactOptions,
  requestId: string,
): UpdateContactDetailsRequest {
  const phone = o.phone?.replaceAll(/[\s()-]/g, "");
  if (phone !== undefined && phone !== "" && !E164.test(phone)) {
    throw new CliUsageError(`--phone must be in E.164 form, e.g. +905550001234 ("" removes it)`);
  }
  return {
    requestId,
    beneficiaryId,
    safeToContact: o.safeToContact !== false,
    safeTimes: o.safeTimes,
    safeContactWindows: safeWindows(o.safeWindow),
    preferredContactMethod:
      o.contactMethod === undefined ? 0 : parseEnum(ContactMethod, o.contactMethod, "--contact-method"),
    phoneNumber: phone,
  };
}

export interface ContactAttemptOptions {
  method?: string;
  at?: string;
  result?: string;
  note?: string;
}

/** `inbox contact-attempt <referral-id>`: one call, visit or message. */
export function contactAttemptRequest(
  referralId: string,
  o: ContactAttemptOptions,
  requestId: string,
): RecordContactAttemptRequest {
  let attemptedAt: Date | undefined;
  if (o.at !== undefined) {
    attemptedAt = new Date(o.at);
    if (Number.isNaN(attemptedAt.getTime()))
      throw new CliUsageError(`--at must be an ISO timestamp, e.g. 2026-12-07T10:30:00+03:00`);
  }
  return {
    requestId,
    referralId,
    method: parseEnum(ContactAttemptMethod, o.method ?? "", "--method"),
    attemptedAt,
    result: o.result === undefined ? 0 : parseEnum(ContactAttemptResult, o.result, "--result"),
    internalNote: o.note,
  };
}
