import { CancelReason, ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import {
  type WebhookEvent,
  type WebhookEventData,
  WebhookEventType,
} from "@kopru/contracts/gateway/v1/partner_api";
import type { ReferralOutcomeReported, ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import ipaddr from "ipaddr.js";

// The rules of the partner API's webhooks, without I/O: which referral events become which webhook
// events for which organisation, when a failed delivery is tried again, and which addresses an
// endpoint may never point at.

/** The `type` of each webhook event as its body and the documentation spell it. */
export const WEBHOOK_EVENT_NAMES: Readonly<Record<number, string>> = {
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_RECEIVED]: "referral.received",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACKNOWLEDGED]: "referral.acknowledged",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED]: "referral.accepted",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_DECLINED]: "referral.declined",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ON_HOLD]: "referral.on_hold",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_STARTED]: "referral.started",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_COMPLETED]: "referral.completed",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_NOT_COMPLETED]: "referral.not_completed",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_CANCELLED]: "referral.cancelled",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_EXPIRED]: "referral.expired",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_REDIRECTED]: "referral.redirected",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_CONSENT_WITHDRAWN]: "consent.withdrawn",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_OUTCOME_REPORTED]: "referral.outcome_reported",
  [WebhookEventType.WEBHOOK_EVENT_TYPE_PING]: "ping",
};

export function webhookEventName(type: WebhookEventType): string {
  return (WEBHOOK_EVENT_NAMES as Record<number, string>)[type] ?? "unknown";
}

/** A webhook event for the endpoints of one organisation, before it has an id. */
export interface WebhookNotice {
  /** What it tells, the same for a redelivered event: one delivery per endpoint and key. */
  sourceKey: string;
  eventType: WebhookEventType;
  organisationId: string;
  referralId: string;
  occurredAt: Date;
  /** Absent for a ping. */
  data: WebhookEventData | undefined;
}

/** Who hears of a status: the party that was not told by its own action alone (see below). */
type Party = "referrer" | "target" | "both";

/**
 * The webhook event of each status a referral reaches, and which party's endpoints get it. A new
 * referral is news to its target, its receipt to its referrer; every later change goes to both
 * organisations, since each keeps its own record of the referral in sync from them (a change made
 * by one organisation's staff in the console is news to that organisation's own system too).
 */
const STATUS_EVENTS: Partial<Record<ReferralStatus, { type: WebhookEventType; to: Party }>> = {
  [ReferralStatus.REFERRAL_STATUS_REQUESTED]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_RECEIVED,
    to: "target",
  },
  [ReferralStatus.REFERRAL_STATUS_RECEIVED]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACKNOWLEDGED,
    to: "referrer",
  },
  [ReferralStatus.REFERRAL_STATUS_ACCEPTED]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED,
    to: "both",
  },
  [ReferralStatus.REFERRAL_STATUS_DECLINED]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_DECLINED,
    to: "both",
  },
  [ReferralStatus.REFERRAL_STATUS_ON_HOLD]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ON_HOLD,
    to: "both",
  },
  [ReferralStatus.REFERRAL_STATUS_IN_PROGRESS]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_STARTED,
    to: "both",
  },
  [ReferralStatus.REFERRAL_STATUS_COMPLETED]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_COMPLETED,
    to: "both",
  },
  [ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_NOT_COMPLETED,
    to: "both",
  },
  [ReferralStatus.REFERRAL_STATUS_CANCELLED]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_CANCELLED,
    to: "both",
  },
  [ReferralStatus.REFERRAL_STATUS_EXPIRED]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_EXPIRED,
    to: "both",
  },
  [ReferralStatus.REFERRAL_STATUS_REDIRECTED]: {
    type: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_REDIRECTED,
    to: "both",
  },
};

/** Cancellations that happened because the person's consent ended, not by the referrer's choice. */
const CONSENT_CANCEL_REASONS: readonly CancelReason[] = [
  CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN,
  CancelReason.CANCEL_REASON_CONSENT_EXPIRED,
];

function organisationsOf(party: Party, referrer: string, target: string): string[] {
  if (party === "referrer") return [referrer];
  if (party === "target") return [target];
  // A referral an organisation made to itself is told once.
  return [...new Set([referrer, target])];
}

/** The webhook events one status change makes, one per organisation told. */
export function noticesOfStatus(status: ReferralStatusChanged, occurredAt: Date): WebhookNotice[] {
  const mapped = STATUS_EVENTS[status.toStatus];
  if (!mapped) return [];
  const type =
    status.toStatus === ReferralStatus.REFERRAL_STATUS_CANCELLED &&
    CONSENT_CANCEL_REASONS.includes(status.cancelReason)
      ? WebhookEventType.WEBHOOK_EVENT_TYPE_CONSENT_WITHDRAWN
      : mapped.type;
  const data: WebhookEventData = {
    referralId: status.referralId,
    rootReferralId: status.rootReferralId,
    referrerOrganisationId: status.referrerOrganisationId,
    targetOrganisationId: status.targetOrganisationId,
    status: status.toStatus,
    sequence: status.sequence,
    serviceType: status.serviceType,
    priority: status.priority,
    declineReason: status.declineReason,
    cancelReason: status.cancelReason,
    notCompletedReason: status.notCompletedReason,
    outcomeCodes: [...status.outcomeCodes],
    childReferralId: status.childReferralId,
  };
  return organisationsOf(mapped.to, status.referrerOrganisationId, status.targetOrganisationId).map(
    (organisationId) => ({
      sourceKey: `status/${status.referralId}/${status.sequence}`,
      eventType: type,
      organisationId,
      referralId: status.referralId,
      occurredAt: status.occurredAt ?? occurredAt,
      data,
    }),
  );
}

/**
 * An outcome report, to the referrer (the target wrote it). Each report is told once: the key is
 * the report's event, since several reports may follow one closing transition.
 */
export function noticesOfOutcome(
  report: ReferralOutcomeReported,
  reportId: string,
  occurredAt: Date,
): WebhookNotice[] {
  return [
    {
      sourceKey: `outcome/${report.referralId}/${reportId}`,
      eventType: WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_OUTCOME_REPORTED,
      organisationId: report.referrerOrganisationId,
      referralId: report.referralId,
      occurredAt: report.completedAt ?? occurredAt,
      data: {
        referralId: report.referralId,
        rootReferralId: report.rootReferralId,
        referrerOrganisationId: report.referrerOrganisationId,
        targetOrganisationId: report.targetOrganisationId,
        status: ReferralStatus.REFERRAL_STATUS_UNSPECIFIED,
        sequence: report.sequence,
        serviceType: report.serviceType,
        priority: 0,
        declineReason: 0,
        cancelReason: 0,
        notCompletedReason: 0,
        outcomeCodes: [...report.outcomeCodes],
        childReferralId: undefined,
      },
    },
  ];
}

/** The body of a delivery: the event with its delivery id (the `webhook-id`). */
export function webhookEventOf(
  deliveryId: string,
  type: WebhookEventType,
  timestamp: Date,
  data: WebhookEventData | undefined,
): WebhookEvent {
  return { id: deliveryId, type: webhookEventName(type), timestamp, data };
}

// --- Retries ---------------------------------------------------------------------------------

/** First retry after 5 s, doubling up to one attempt an hour. */
export const RETRY_BASE_MS = 5_000;
export const RETRY_CAP_MS = 3600_000;

/**
 * How long to wait after failed attempt number `attempt` (1-based): exponential, capped, with
 * "equal jitter" (half fixed, half random) so endpoints that failed together do not all come back
 * in the same second. `random` in [0, 1).
 */
export function retryDelayMs(attempt: number, random: number): number {
  const exponential = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}

/**
 * After a failed attempt: the next attempt's time, or `undefined` when the retry window (counted
 * from `retryFrom`) has ended and the delivery fails. The last attempt is made at the window's end,
 * so an endpoint is never given up on earlier than the window promises.
 */
export function nextAttemptAfterFailure(
  now: Date,
  retryFrom: Date,
  attempt: number,
  windowMs: number,
  random: number,
): Date | undefined {
  const windowEnd = retryFrom.getTime() + windowMs;
  if (now.getTime() >= windowEnd) return undefined;
  return new Date(Math.min(windowEnd, now.getTime() + retryDelayMs(attempt, random)));
}

// --- Addresses an endpoint may not reach (SSRF) ----------------------------------------------

/** Whether `address` is one of `allowed` (IPs or CIDR ranges an administrator listed). */
export function isAllowedAddress(address: string, allowed: readonly string[]): boolean {
  const parsed = normalise(address);
  if (!parsed) return false;
  return allowed.some((entry) => {
    try {
      if (entry.includes("/")) {
        const [range, bits] = ipaddr.parseCIDR(entry.trim());
        const candidate = normaliseParsed(range);
        return candidate.kind() === parsed.kind() && parsed.match(candidate, bits);
      }
      const single = normalise(entry.trim());
      return (
        single !== undefined && single.kind() === parsed.kind() && single.toString() === parsed.toString()
      );
    } catch {
      return false;
    }
  });
}

function normaliseParsed(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

function normalise(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  return normaliseParsed(ipaddr.parse(address));
}

/**
 * Why an endpoint may not be sent to at `address`, or `undefined` when it may. Only public unicast
 * addresses are reachable: loopback, private, link-local (cloud metadata 169.254.169.254 among
 * them), carrier-grade NAT, unique-local (fd00:ec2::254), multicast, reserved and the IPv6 forms
 * that embed an IPv4 address (6to4, Teredo, NAT64) are refused, unless an administrator allowed
 * the address (WEBHOOK_ALLOWED_ADDRESSES).
 */
export function addressRefusal(address: string, allowed: readonly string[]): string | undefined {
  const parsed = normalise(address);
  if (!parsed) return `${address} is not an IP address`;
  if (isAllowedAddress(address, allowed)) return undefined;
  const range = parsed.range();
  if (range === "unicast") return undefined;
  return `it resolves to ${parsed.toString()}, a ${range} address`;
}
