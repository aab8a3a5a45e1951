import { ConfigError, csv, duration, envField } from "@kopru/config";
import { retentionEnv } from "@kopru/retention";
import { sealingEnv } from "@kopru/sealing";
import { serviceEnv } from "@kopru/service-kit";

/** Organisation ids are short lowercase slugs: they appear as NATS subject tokens. */
const ORGANISATION_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** A durable consumer name part: no dots, wildcards or spaces. */
const DURABLE_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/;

const organisationId = () =>
  envField("expected an organisation id (lowercase letters, digits, hyphens)", (raw) =>
    ORGANISATION_ID.test(raw) ? raw : undefined,
  );

/** The network's matching secret: base64 or base64url of at least 32 bytes. */
const matchingSecret = () =>
  envField("expected at least 32 bytes, base64 or base64url", (raw) => {
    const bytes = Buffer.from(raw.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    return bytes.length >= 32 ? new Uint8Array(bytes) : undefined;
  });

/** Intake's environment: the common service variables plus its own. */
export const intakeEnv = serviceEnv(50051).extend({
  /** Rotation of its organisations' sealing keys (ADR 0022). */
  ...sealingEnv,
  /** How often personal data past its retention period is destroyed, and periods per data class (ADR 0026). */
  ...retentionEnv,
  /**
   * The partner organisations intake acts for (seeded into `partner_organisations` at start): a
   * caller's token organisation (`kopru_org`) must be one of them, and each gets its own re-route consumer.
   */
  INTAKE_ORGANISATIONS: csv(organisationId()).default(["ngo-hayat", "ngo-umut", "ngo-kopru-relief"]),
  /**
   * First part of this deployment's durable consumer names (`<prefix>-status`, `<prefix>-directory`,
   * `<prefix>-<org>-reroute`). Replicas of one deployment share it; change it only to run a second,
   * independent intake against the same NATS (tests do).
   */
  INTAKE_DURABLE_PREFIX: envField("expected letters, digits, '_' or '-' (no dots or wildcards)", (raw) =>
    DURABLE_PREFIX.test(raw) ? raw : undefined,
  ).default("intake"),
  /**
   * How long each holder has to confirm a network-wide erasure request (ADR 0023) before it shows as
   * overdue to the coordinator (default 7 days; the KVKK answer deadline is 30 days).
   */
  ERASURE_CONFIRM_WITHIN: duration().default(7 * 24 * 3_600_000),
  /**
   * The matching service (host:port), asked whether other organisations may hold a person registered
   * here (ADR 0027). Unset: no cross-organisation check (the duplicate check stays inside the
   * organisation). Needs MATCHING_NETWORK_SECRET and intake's own client (AUTH_CLIENT_ID/SECRET).
   */
  MATCHING_ADDRESS: envField("expected host:port", (raw) =>
    /^[^\s:]+:\d{1,5}$/.test(raw) ? raw : undefined,
  ).optional(),
  /**
   * The secret every partner of the network hashes identifiers with before they go to the matching
   * service (which never holds it): base64 of at least 32 bytes, the same at every partner.
   */
  MATCHING_NETWORK_SECRET: matchingSecret().optional(),
});

/** The matching settings, when cross-organisation matching is on; fails fast on half a configuration. */
export function matchingSettingsOf(
  config: IntakeConfig,
): { address: string; secret: Uint8Array } | undefined {
  if (!config.MATCHING_ADDRESS) return undefined;
  const missing = [
    ...(config.MATCHING_NETWORK_SECRET ? [] : ["MATCHING_NETWORK_SECRET"]),
    ...(config.AUTH_CLIENT_ID ? [] : ["AUTH_CLIENT_ID"]),
  ];
  if (missing.length > 0)
    throw new ConfigError(
      missing.map((variable) => ({ variable, message: "required when MATCHING_ADDRESS is set" })),
    );
  return { address: config.MATCHING_ADDRESS, secret: config.MATCHING_NETWORK_SECRET as Uint8Array };
}

export type IntakeConfig = ReturnType<typeof intakeEnv.parse>;
