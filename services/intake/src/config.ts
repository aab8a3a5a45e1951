import { csv, envField } from "@kopru/config";
import { serviceEnv } from "@kopru/service-kit";

/** Organisation ids are short lowercase slugs: they appear as NATS subject tokens. */
const ORGANISATION_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** A durable consumer name part: no dots, wildcards or spaces. */
const DURABLE_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/;

const organisationId = () =>
  envField("expected an organisation id (lowercase letters, digits, hyphens)", (raw) =>
    ORGANISATION_ID.test(raw) ? raw : undefined,
  );

/** Intake's environment: the common service variables plus its own. */
export const intakeEnv = serviceEnv(50051).extend({
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
});

export type IntakeConfig = ReturnType<typeof intakeEnv.parse>;
