import type { ResponseOf } from "../../api/client.js";

/** A received referral as the inbox shows it (ids and codes only, no personal data). */
export type InboxReferral = NonNullable<ResponseOf<"inbox", "ListInbox">["referrals"]>[number];
export type ReferralStatus = NonNullable<InboxReferral["status"]>;
export type Priority = NonNullable<InboxReferral["priority"]>;
export type ServiceType = NonNullable<InboxReferral["serviceType"]>;
