/**
 * The partner API's OAuth scopes (audience `urn:kopru:gateway`): what a partner system's client may
 * do through the gateway. A client is registered with the scopes its organisation needs and asks
 * for them with each token; the services still decide by organisation and roles (ADR 0019).
 */
export const PARTNER_API_SCOPES = [
  /** Register beneficiaries, record and withdraw consent, screen needs. */
  "beneficiaries:write",
  /** Read the referrals the organisation made, with their timelines. */
  "referrals:read",
  /** Create, cancel and batch-create referrals; get target suggestions. */
  "referrals:write",
  /** Read the organisation's inbox of received referrals. */
  "inbox:read",
  /** Act on received referrals: acknowledge, accept, decline, hold, start, complete, redirect, assign. */
  "inbox:write",
  /** Network-wide figures, for coordinators. */
  "coordination:read",
  /** Register webhook endpoints, read their delivery logs, replay deliveries, rotate secrets. */
  "webhooks:manage",
] as const;

export type PartnerApiScope = (typeof PARTNER_API_SCOPES)[number];

/** The audience of the partner API's tokens. */
export const PARTNER_API_AUDIENCE = "urn:kopru:gateway";
