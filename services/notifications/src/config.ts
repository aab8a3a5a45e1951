import { nonEmptyString, url } from "@kopru/config";
import { serviceEnv } from "@kopru/service-kit";
import type { z } from "zod";

/** The notification service's environment: the common service variables plus its own. */
export const notificationsEnv = serviceEnv(50057).extend({
  /**
   * Where email goes: `smtp://host:port`, `smtps://user:password@host:465` (nodemailer's URL form;
   * query options such as `?pool=true` pass through). Unset: nothing is emailed (the feed still
   * works); the local launcher points it at its mail catcher.
   */
  SMTP_URL: url({ protocols: ["smtp", "smtps"] }).optional(),
  /** The sender of every email. */
  EMAIL_FROM: nonEmptyString().default("Köprü <notifications@kopru.invalid>"),
  /** Base URL of the console; emails link to it with ids only. */
  CONSOLE_URL: url({ protocols: ["http", "https"] }).default("http://127.0.0.1:5173"),
  /**
   * The identity service whose staff directory says who holds a role and where they are emailed.
   * Default: AUTH_ISSUER (the identity service is the issuer). Needs AUTH_CLIENT_ID/SECRET.
   */
  STAFF_DIRECTORY_URL: url({ protocols: ["http", "https"] }).optional(),
});

export type NotificationsConfig = z.output<typeof notificationsEnv>;
