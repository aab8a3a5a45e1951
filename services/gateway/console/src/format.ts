import { useTranslation } from "react-i18next";
import { currentLanguage } from "./i18n/index.js";

// Dates, numbers and durations always through Intl in the user's language. Arabic uses its own
// digits in running text only where the locale says so (ar uses Latin digits by default in
// Intl for "ar"; "ar-EG" would not) — the console keeps `ar` so figures read the same across teams.

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let format = cache.get(key);
  if (!format) {
    format = make();
    cache.set(key, format);
  }
  return format as T;
}

export interface Formatters {
  /** In the browser's time zone unless one is given (`Europe/Istanbul` where a legal clock runs on it). */
  date(value: string | Date | undefined, timeZone?: string): string;
  dateTime(value: string | Date | undefined, timeZone?: string): string;
  number(value: number | string | undefined): string;
  percent(fraction: number | undefined): string;
  /** "in 3 hours" / "2 days ago" from now. */
  relative(value: string | Date | undefined, now?: number): string;
  /** A duration in seconds as the largest sensible unit ("3 h", "2 d"). */
  duration(seconds: number | string | undefined): string;
}

const dash = "—";

function toDate(value: string | Date | undefined): Date | undefined {
  if (value === undefined || value === "") return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatters(language = currentLanguage()): Formatters {
  return {
    date(value, timeZone) {
      const date = toDate(value);
      return date
        ? cached(
            `d:${language}:${timeZone ?? ""}`,
            () =>
              new Intl.DateTimeFormat(language, { dateStyle: "medium", ...(timeZone ? { timeZone } : {}) }),
          ).format(date)
        : dash;
    },
    dateTime(value, timeZone) {
      const date = toDate(value);
      return date
        ? cached(
            `dt:${language}:${timeZone ?? ""}`,
            () =>
              new Intl.DateTimeFormat(language, {
                dateStyle: "medium",
                timeStyle: "short",
                ...(timeZone ? { timeZone } : {}),
              }),
          ).format(date)
        : dash;
    },
    number(value) {
      if (value === undefined || value === "") return dash;
      return cached(`n:${language}`, () => new Intl.NumberFormat(language)).format(Number(value));
    },
    percent(fraction) {
      if (fraction === undefined || Number.isNaN(fraction)) return dash;
      return cached(
        `p:${language}`,
        () => new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }),
      ).format(fraction);
    },
    relative(value, now = Date.now()) {
      const date = toDate(value);
      if (!date) return dash;
      const seconds = Math.round((date.getTime() - now) / 1000);
      const format = cached(
        `r:${language}`,
        () => new Intl.RelativeTimeFormat(language, { numeric: "auto", style: "long" }),
      ) as Intl.RelativeTimeFormat;
      const abs = Math.abs(seconds);
      if (abs < 60) return format.format(seconds, "second");
      if (abs < 3600) return format.format(Math.round(seconds / 60), "minute");
      if (abs < 86_400) return format.format(Math.round(seconds / 3600), "hour");
      return format.format(Math.round(seconds / 86_400), "day");
    },
    duration(seconds) {
      if (seconds === undefined || seconds === "") return dash;
      const value = Number(seconds);
      const unit = value >= 86_400 ? "day" : value >= 3600 ? "hour" : "minute";
      const amount = unit === "day" ? value / 86_400 : unit === "hour" ? value / 3600 : value / 60;
      return cached(
        `u:${language}:${unit}`,
        () =>
          new Intl.NumberFormat(language, {
            style: "unit",
            unit,
            unitDisplay: "short",
            maximumFractionDigits: 1,
          }),
      ).format(amount);
    },
  };
}

/** Formatters that follow the language switch (the component re-renders on change). */
export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  return formatters(i18n.language as ReturnType<typeof currentLanguage>);
}
