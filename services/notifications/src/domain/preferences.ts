import { DigestFrequency } from "@kopru/contracts/notification/v1/notification";

export interface Preferences {
  emailEnabled: boolean;
  digestFrequency: DigestFrequency;
  /** Undefined while they are the defaults. */
  updatedAt: Date | undefined;
}

/** Without a choice made: email on, LOW notices in a daily digest. */
export const DEFAULT_PREFERENCES: Preferences = {
  emailEnabled: true,
  digestFrequency: DigestFrequency.DIGEST_FREQUENCY_DAILY,
  updatedAt: undefined,
};

/** Digests are sent at 08:00 in Türkiye (UTC+3 all year since 2016). */
const DIGEST_HOUR_UTC = 5;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * When the digest that a LOW notice arriving at `now` goes into is sent: the next full hour, the
 * next 08:00 Europe/Istanbul, or the next Monday 08:00. Always strictly after `now`, and the same
 * instant for everything arriving in one window, so scheduling it again moves nothing.
 */
export function nextDigestAt(frequency: DigestFrequency, now: Date): Date | undefined {
  const t = now.getTime();
  switch (frequency) {
    case DigestFrequency.DIGEST_FREQUENCY_HOURLY:
      return new Date(Math.floor(t / HOUR) * HOUR + HOUR);
    case DigestFrequency.DIGEST_FREQUENCY_DAILY: {
      const today = Math.floor(t / DAY) * DAY + DIGEST_HOUR_UTC * HOUR;
      return new Date(today > t ? today : today + DAY);
    }
    case DigestFrequency.DIGEST_FREQUENCY_WEEKLY: {
      const midnight = Math.floor(t / DAY) * DAY;
      // getUTCDay: 0 Sunday … 1 Monday.
      const daysToMonday = (8 - new Date(midnight).getUTCDay()) % 7;
      const candidate = midnight + daysToMonday * DAY + DIGEST_HOUR_UTC * HOUR;
      return new Date(candidate > t ? candidate : candidate + 7 * DAY);
    }
    default:
      return undefined;
  }
}
