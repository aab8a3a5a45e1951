import { csv, nonEmptyString } from "@kopru/config";
import { serviceEnv } from "@kopru/service-kit";
import type { z } from "zod";

/** The matching service's environment: the common service variables plus its own. */
export const matchingEnv = serviceEnv(50059).extend({
  /**
   * OAuth client ids of the services that register records for the organisations they hold them
   * for (a service token names no organisation, so such a service names it in each request). Every
   * other caller acts for its token's organisation only. Default: intake's client.
   */
  MATCHING_REGISTRAR_CLIENTS: csv(nonEmptyString()).default(["service-intake"]),
});

export type MatchingConfig = z.output<typeof matchingEnv>;
