import { followUpEnv, staffDirectoryEnv } from "@kopru/casework";
import { csv, envField } from "@kopru/config";
import { retentionEnv } from "@kopru/retention";
import { sealingEnv } from "@kopru/sealing";
import { serviceEnv } from "@kopru/service-kit";

const ORGANISATION_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

const organisationId = () =>
  envField("expected organisation ids (lowercase letters, digits, hyphens)", (raw) =>
    ORGANISATION_ID.test(raw) ? raw : undefined,
  );

/** The ECM service's environment: the common variables plus what it hosts and who approves what. */
export const ecmEnv = serviceEnv(50053).extend({
  /** How often personal data past its retention period is destroyed, and periods per data class (ADR 0026). */
  ...retentionEnv,
  /** Follow-up deadlines after acceptance, by priority, and when the reminder goes out. */
  /** Rotation of the hosted organisations\' sealing keys (ADR 0022). */
  ...sealingEnv,
  ...followUpEnv,
  /** The identity service whose staff directory checks an assignee (default AUTH_ISSUER). */
  ...staffDirectoryEnv,
  /** ECM units whose referrals and cases this process serves. */
  HOSTED_ORGANISATIONS: csv(organisationId())
    .refine((ids) => ids.length > 0, "expected at least one organisation id")
    .default(["ecm-unit"]),
  /** Token roles that approve assistance of any amount (someone else must have planned it). */
  ECM_APPROVER_ROLES: csv()
    .refine((roles) => roles.length > 0, "expected at least one role")
    .default(["ecm-approver"]),
});
