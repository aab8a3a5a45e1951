import { NETWORK_LAYOUT } from "@kopru/events";
import { ErrorCatalogue, type ServiceSpec, type Worker } from "@kopru/service-kit";
import { TimerWorker } from "@kopru/timers";
import { identityStaffDirectory } from "./adapters/clients/staff-directory.js";
import { smtpMailer } from "./adapters/email/smtp-mailer.js";
import { notificationBinding } from "./adapters/grpc/notification-grpc.js";
import { NOTICE_CONSUMER, noticeConsumer } from "./adapters/messaging/notice-consumer.js";
import { fanOutNotice, sendDigest, sendNoticeEmail } from "./application/deliver.js";
import type { NotificationsDeps } from "./application/ports.js";
import { DIGEST_TIMER, EMAIL_TIMER, FAN_OUT_TIMER } from "./application/timers.js";
import { notificationsEnv } from "./config.js";
import { NOTIFICATION_ERRORS } from "./domain/errors.js";
import { notificationsMigrations } from "./migrations.js";

export const SERVICE_NAME = "notifications";

export interface NotificationsOptions {
  /** Durable name of the notice consumer (default `notifications-notices`); tests use their own. */
  consumerName?: string;
  /** Read only notices published from now on (tests on a shared server). */
  startsNow?: boolean;
  /** How often due timers (fan-outs, emails, digests) are looked for; default 1 s. */
  timerPollMs?: number;
}

/**
 * The notification service as service-kit hosts it: the notice consumer (feed), the timers that
 * fan notices out and send emails and digests, and the NotificationService gRPC API.
 */
export function notificationsSpec(options: NotificationsOptions = {}): ServiceSpec<typeof notificationsEnv> {
  return {
    name: SERVICE_NAME,
    envSchema: notificationsEnv,
    migrations: notificationsMigrations,
    layout: NETWORK_LAYOUT,
    errors: new ErrorCatalogue(NOTIFICATION_ERRORS),
    async build(context) {
      const { config, logger } = context;
      const serviceTokens = context.serviceTokens;
      let email: NotificationsDeps["email"];
      if (!config.SMTP_URL) {
        logger.warn(
          { event: "email_off" },
          "SMTP_URL is not set: notices reach the feed, nothing is emailed",
        );
      } else if (!serviceTokens) {
        logger.warn(
          { event: "email_off" },
          "AUTH_CLIENT_ID/AUTH_CLIENT_SECRET are not set: without the staff directory nothing is emailed",
        );
      } else {
        email = {
          mailer: smtpMailer({ url: config.SMTP_URL, from: config.EMAIL_FROM }),
          directory: identityStaffDirectory({
            url: config.STAFF_DIRECTORY_URL ?? config.AUTH_ISSUER,
            tokens: serviceTokens,
          }),
        };
      }
      let timers: TimerWorker | undefined;
      const deps: NotificationsDeps = {
        db: context.db,
        clock: context.clock,
        logger,
        consoleUrl: config.CONSOLE_URL,
        email,
        afterCommit: () => {
          void timers?.fireDue().catch(() => {});
        },
      };
      timers = new TimerWorker({
        db: context.db,
        clock: context.clock,
        logger,
        pollIntervalMs: options.timerPollMs ?? 1_000,
        handlers: {
          [FAN_OUT_TIMER]: (tx, timer) => fanOutNotice(deps, tx, timer),
          [EMAIL_TIMER]: (tx, timer) => sendNoticeEmail(deps, tx, timer),
          [DIGEST_TIMER]: (tx, timer) => sendDigest(deps, tx, timer),
        },
      });
      const worker = timers;
      const mailerWorker: Worker = { start() {}, stop: async () => email?.mailer.close() };
      return {
        grpc: [notificationBinding(deps)],
        consumers: [
          noticeConsumer(
            deps,
            { db: context.db, js: context.js, jsm: context.jsm, logger },
            options.consumerName ?? NOTICE_CONSUMER,
            options.startsNow ? "now" : "beginning",
          ),
        ],
        workers: [{ start: () => worker.start(), stop: () => worker.stop() }, mailerWorker],
      };
    },
  };
}

export const notificationsService = notificationsSpec();
