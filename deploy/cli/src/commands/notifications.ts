import { NoticeUrgency } from "@kopru/contracts/notification/v1/events";
import { DigestFrequency } from "@kopru/contracts/notification/v1/notification";
import {
  GetNotificationPreferencesResponse,
  ListNotificationsResponse,
  MarkNotificationsReadResponse,
  UpdateNotificationPreferencesResponse,
} from "@kopru/contracts/notification/v1/notification_service";
import type { Command } from "commander";
import { type CliIo, CommandContext } from "../context.js";
import { enumName, parseEnum } from "../enums.js";
import { CliUsageError } from "../errors.js";
import { fields, table, time } from "../format.js";
import type { Gateway } from "../grpc.js";

/** `on`/`off` (and yes/no, true/false) for a switch option. */
function onOff(value: string, what: string): boolean {
  const v = value.trim().toLowerCase();
  if (["on", "yes", "true"].includes(v)) return true;
  if (["off", "no", "false"].includes(v)) return false;
  throw new CliUsageError(`${what} must be on or off, not "${value}"`);
}

/** Your own notifications: the feed with its unread count, marking read, and what is emailed to you. */
export function registerNotificationCommands(program: Command, gateway: Gateway, io: CliIo): void {
  const ctx = (command: Command) => CommandContext.of(command, gateway, io);
  const notifications = program
    .command("notifications")
    .description("your own notifications: the feed, unread counts, and what is emailed to you");

  notifications
    .command("list")
    .description("your feed, newest first, with the number of unread entries")
    .option("--unread", "only entries you have not read")
    .option("--limit <n>", "at most this many entries", "50")
    .action(async (options: { unread?: boolean; limit: string }, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway.notifications(c.caller()).call("listNotifications", {
        unreadOnly: options.unread === true,
        page: { pageSize: Number(options.limit) || 50, pageToken: "" },
      });
      c.print(ListNotificationsResponse, response, () =>
        [
          `${response.unreadCount} unread`,
          ...(response.notifications.length === 0
            ? []
            : [
                "",
                table(
                  ["", "when", "urgency", "what", "link", "id"],
                  response.notifications.map((n) => [
                    n.readAt ? " " : "*",
                    time(n.createdAt),
                    enumName(NoticeUrgency, n.urgency),
                    n.title + (n.role ? ` (to ${n.role}s)` : ""),
                    n.link,
                    n.notificationId,
                  ]),
                ),
              ]),
        ].join("\n"),
      );
    });

  notifications
    .command("read [notification-ids...]")
    .description("mark entries of your feed read (the ids `list` shows), or all of them with --all")
    .option("--all", "every entry of your feed")
    .action(async (ids: string[], options: { all?: boolean }, command: Command) => {
      const c = ctx(command);
      if (!options.all && ids.length === 0) throw new CliUsageError("name notification ids, or pass --all");
      const response = await c.gateway.notifications(c.caller()).call("markNotificationsRead", {
        notificationIds: options.all ? [] : ids,
        all: options.all === true,
      });
      c.print(
        MarkNotificationsReadResponse,
        response,
        () => `marked ${response.marked} read; ${response.unreadCount} unread`,
      );
    });

  notifications
    .command("prefs")
    .description("show your preferences, or change them with --email and --digest")
    .option("--email <on|off>", "email notices to you at all")
    .option(
      "--digest <frequency>",
      "when LOW urgency notices are emailed together: off, hourly, daily, weekly",
    )
    .action(async (options: { email?: string; digest?: string }, command: Command) => {
      const c = ctx(command);
      const api = c.gateway.notifications(c.caller());
      if (options.email !== undefined || options.digest !== undefined) {
        const response = await api.call("updateNotificationPreferences", {
          emailEnabled: options.email === undefined ? undefined : onOff(options.email, "--email"),
          digestFrequency:
            options.digest === undefined ? 0 : parseEnum(DigestFrequency, options.digest, "--digest"),
        });
        c.print(UpdateNotificationPreferencesResponse, response, () =>
          fields([
            ["email", response.preferences?.emailEnabled ? "on" : "off"],
            ["digest", enumName(DigestFrequency, response.preferences?.digestFrequency)],
          ]),
        );
        return;
      }
      const response = await api.call("getNotificationPreferences", {});
      c.print(GetNotificationPreferencesResponse, response, () =>
        fields([
          ["email", response.preferences?.emailEnabled ? "on" : "off"],
          ["digest", enumName(DigestFrequency, response.preferences?.digestFrequency)],
          ["email on file", response.emailOnFile ? "yes" : "no (ask your administrator)"],
          [
            "changed",
            response.preferences?.updatedAt ? time(response.preferences.updatedAt) : "never (defaults)",
          ],
        ]),
      );
    });
}
