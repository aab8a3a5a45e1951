import type { components } from "@kopru/contracts/openapi/console-api";

export type Notification = components["schemas"]["kopru.notification.v1.Notification"];

/** Unread while the feed has no read time for it. */
export function isUnread(notification: Notification): boolean {
  return !notification.readAt;
}

/** The ids of the unread entries among those shown. */
export function unreadIds(notifications: readonly Notification[]): string[] {
  return notifications.filter(isUnread).flatMap((n) => (n.notificationId ? [n.notificationId] : []));
}

/** Notices about a referral the reader's organisation made (rather than one it received). */
const ABOUT_REFERRALS_MADE: ReadonlySet<string> = new Set([
  "NOTICE_KIND_REFERRAL_OUTCOME",
  "NOTICE_KIND_REFERRAL_STATUS",
]);

/**
 * Where in the console a notification leads: a referral the reader's organisation made opens on its
 * "my referrals" page, one it received in its inbox; a coordinator's notices lead nowhere (the
 * figures and lists are theirs). Only the referral's id goes into the address.
 */
export function referralRoute(
  can: { receives: boolean; refers: boolean },
  notification: Notification,
):
  | { to: "/referrals/$referralId"; params: { referralId: string } }
  | { to: "/my-referrals/$referralId"; params: { referralId: string } }
  | undefined {
  const referralId = notification.referralId;
  if (!referralId) return undefined;
  const made = ABOUT_REFERRALS_MADE.has(notification.kind ?? "");
  if (can.refers || (can.receives && made))
    return { to: "/my-referrals/$referralId", params: { referralId } };
  if (can.receives) return { to: "/referrals/$referralId", params: { referralId } };
  return undefined;
}

/** Urgent notices stand out (in words as well as colour). */
export function isUrgent(notification: Notification): boolean {
  return notification.urgency === "NOTICE_URGENCY_URGENT";
}
