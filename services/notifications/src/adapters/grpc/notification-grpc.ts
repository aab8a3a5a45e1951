import { DigestFrequency, type NotificationPreferences } from "@kopru/contracts/notification/v1/notification";
import {
  type NotificationServiceServer,
  NotificationServiceService,
} from "@kopru/contracts/notification/v1/notification_service";
import {
  type CallContext,
  type GrpcServiceBinding,
  InvalidArgumentError,
  PermissionDeniedError,
  unary,
  validate,
} from "@kopru/service-kit";
import {
  getPreferences,
  listNotifications,
  markNotificationsRead,
  updatePreferences,
} from "../../application/feed.js";
import type { NotificationsDeps, Reader } from "../../application/ports.js";
import type { Preferences } from "../../domain/preferences.js";

export const NOTIFICATION_SERVICE_NAME = "kopru.notification.v1.NotificationService";

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const PAGE_TOKEN = /^[0-9a-z]{1,10}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Only a staff member has a feed, and only their own: the token says whose. */
function readerOf(context: CallContext): Reader {
  if (context.kind !== "staff" || !context.actorId || !context.organisationId)
    throw new PermissionDeniedError("notifications are for staff members, each their own");
  return { organisationId: context.organisationId, actorId: context.actorId, roles: context.roles };
}

function preferencesView(preferences: Preferences): NotificationPreferences {
  return {
    emailEnabled: preferences.emailEnabled,
    digestFrequency: preferences.digestFrequency,
    updatedAt: preferences.updatedAt,
  };
}

/** NotificationService over gRPC: every call reads or changes the caller's own feed and preferences. */
export function notificationBinding(deps: NotificationsDeps): GrpcServiceBinding {
  const implementation: NotificationServiceServer = {
    listNotifications: unary(async (request, context) => {
      const reader = readerOf(context);
      const limit = Math.min(MAX_PAGE, request.page?.pageSize || DEFAULT_PAGE);
      const token = request.page?.pageToken ?? "";
      if (token !== "" && !PAGE_TOKEN.test(token))
        throw new InvalidArgumentError([
          { field: "page.page_token", description: "is not a page token this service gave out" },
        ]);
      const offset = token === "" ? 0 : Number.parseInt(token, 36);
      const { notifications, unreadCount } = await listNotifications(deps, reader, {
        unreadOnly: request.unreadOnly,
        limit,
        offset,
      });
      return {
        notifications,
        unreadCount,
        page: { nextPageToken: notifications.length === limit ? (offset + limit).toString(36) : "" },
      };
    }),
    markNotificationsRead: unary(async (request, context) => {
      const reader = readerOf(context);
      const bad = request.notificationIds.findIndex((id) => !UUID.test(id));
      if (bad >= 0)
        throw new InvalidArgumentError([{ field: `notification_ids[${bad}]`, description: "is not a UUID" }]);
      if (!request.all && request.notificationIds.length === 0)
        throw new InvalidArgumentError([
          { field: "notification_ids", description: "name at least one notification, or set all" },
        ]);
      if (request.all && request.notificationIds.length > 0)
        throw new InvalidArgumentError([
          { field: "all", description: "cannot be set together with notification_ids" },
        ]);
      return markNotificationsRead(
        deps,
        reader,
        request.all ? { all: true } : { noticeIds: request.notificationIds },
      );
    }),
    getNotificationPreferences: unary(async (_request, context) => {
      const { preferences, emailOnFile } = await getPreferences(deps, readerOf(context));
      return { preferences: preferencesView(preferences), emailOnFile };
    }),
    updateNotificationPreferences: unary(async (request, context) => {
      const reader = readerOf(context);
      validate()
        .enumValue(request.digestFrequency, DigestFrequency, "digest_frequency", { optional: true })
        .done();
      const preferences = await updatePreferences(deps, reader, {
        emailEnabled: request.emailEnabled,
        digestFrequency: request.digestFrequency || undefined,
      });
      return { preferences: preferencesView(preferences) };
    }),
  };
  return { name: NOTIFICATION_SERVICE_NAME, definition: NotificationServiceService, implementation };
}
