import type { DigestFrequency, Notification } from "@kopru/contracts/notification/v1/notification";
import { NotFoundError } from "@kopru/service-kit";
import {
  findPreferences,
  hasDigestItems,
  listFeed,
  markRead,
  savePreferences,
  unreadCount,
  visibleNoticeIds,
} from "../adapters/persistence/store.js";
import { noticeLink, noticeTitle } from "../domain/notice.js";
import { DEFAULT_PREFERENCES, type Preferences } from "../domain/preferences.js";
import { rescheduleDigest } from "./deliver.js";
import type { NotificationsDeps, Reader } from "./ports.js";

type Deps = Pick<NotificationsDeps, "db" | "clock" | "consoleUrl" | "email" | "afterCommit">;

/** The reader's feed, newest first, and how many entries they have not read. */
export async function listNotifications(
  deps: Deps,
  reader: Reader,
  options: { unreadOnly: boolean; limit: number; offset: number },
): Promise<{ notifications: Notification[]; unreadCount: number }> {
  const entries = await listFeed(deps.db, reader, options);
  return {
    notifications: entries.map(({ notice, readAt }) => ({
      notificationId: notice.noticeId,
      kind: notice.kind,
      urgency: notice.urgency,
      title: noticeTitle(notice),
      link: noticeLink(deps.consoleUrl, notice),
      referralId: notice.referralId,
      caseId: notice.caseId,
      serviceType: notice.serviceType,
      priority: notice.priority,
      status: notice.status,
      dueAt: notice.dueAt,
      occurredAt: notice.occurredAt,
      createdAt: notice.receivedAt,
      readAt,
      role: notice.role,
      sourceService: notice.sourceService,
    })),
    unreadCount: await unreadCount(deps.db, reader),
  };
}

export async function markNotificationsRead(
  deps: Deps,
  reader: Reader,
  which: { all: true } | { noticeIds: readonly string[] },
): Promise<{ marked: number; unreadCount: number }> {
  const marked = await deps.db.transaction(async (tx) => {
    if ("noticeIds" in which) {
      // Someone else's entry is answered as one that does not exist, and nothing is marked.
      const visible = await visibleNoticeIds(tx, reader, which.noticeIds);
      const unknown = which.noticeIds.find((id) => !visible.has(id.toLowerCase()));
      if (unknown !== undefined) throw new NotFoundError("notification", unknown);
    }
    return markRead(tx, reader, which, deps.clock.now());
  });
  return { marked, unreadCount: await unreadCount(deps.db, reader) };
}

export async function getPreferences(
  deps: Deps,
  reader: Reader,
): Promise<{ preferences: Preferences; emailOnFile: boolean }> {
  const preferences = (await findPreferences(deps.db, reader.actorId)) ?? DEFAULT_PREFERENCES;
  const member = await deps.email?.directory.find(reader.organisationId, reader.actorId);
  return { preferences, emailOnFile: Boolean(member?.email) };
}

export async function updatePreferences(
  deps: Deps,
  reader: Reader,
  change: { emailEnabled?: boolean | undefined; digestFrequency?: DigestFrequency | undefined },
): Promise<Preferences> {
  const result = await deps.db.transaction(async (tx) => {
    const current = (await findPreferences(tx, reader.actorId)) ?? DEFAULT_PREFERENCES;
    const next = {
      emailEnabled: change.emailEnabled ?? current.emailEnabled,
      digestFrequency: change.digestFrequency || current.digestFrequency,
      updatedAt: deps.clock.now(),
    };
    await savePreferences(tx, reader, next);
    if (next.digestFrequency !== current.digestFrequency) {
      await rescheduleDigest(
        deps,
        tx,
        reader,
        next.digestFrequency,
        await hasDigestItems(tx, reader.actorId),
      );
    }
    return next;
  });
  deps.afterCommit();
  return result;
}
