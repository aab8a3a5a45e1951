import { followUpEnv, staffDirectoryEnv } from "@kopru/casework";
import { csv, envField } from "@kopru/config";
import { retentionEnv } from "@kopru/retention";
import { sealingEnv } from "@kopru/sealing";
import { serviceEnv } from "@kopru/service-kit";
import type { z } from "zod";
import { DEFAULT_HOSTED_MMCCS } from "./domain/index.js";

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const organisationId = envField("expected an organisation id (lowercase letters, digits, hyphens)", (raw) =>
  SLUG.test(raw) ? raw : undefined,
);

/** The municipality service's environment: the common variables, its gRPC port and the MMCCs it hosts. */
export const municipalityEnv = serviceEnv(50055).extend({
  /** How often personal data past its retention period is destroyed, and periods per data class (ADR 0026). */
  ...retentionEnv,
  /** Follow-up deadlines after acceptance, by priority, and when the reminder goes out. */
  /** Rotation of the hosted organisations\' sealing keys (ADR 0022). */
  ...sealingEnv,
  ...followUpEnv,
  /** The identity service whose staff directory checks an assignee (default AUTH_ISSUER). */
  ...staffDirectoryEnv,
  /** The MMCCs (tenants) this process serves, as organisation ids; each gets its own referral consumers. */
  HOSTED_ORGANISATIONS: csv(organisationId)
    .refine((ids) => ids.length > 0, { message: "expected at least one organisation id" })
    .default([...DEFAULT_HOSTED_MMCCS]),
});

export type MunicipalityConfig = z.output<typeof municipalityEnv>;
