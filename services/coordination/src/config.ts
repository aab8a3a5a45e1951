import { integer } from "@kopru/config";
import { serviceEnv } from "@kopru/service-kit";
import type { z } from "zod";

/** Coordination's environment: the common service variables plus its own. */
export const coordinationEnv = serviceEnv(50056).extend({
  /**
   * Figures for a group of fewer referrals than this are withheld (suppressed), so that
   * disaggregated cells cannot single out a person. 1 turns suppression off.
   */
  FIGURES_MIN_CELL_SIZE: integer({ min: 1, max: 1000 }).default(5),
});

export type CoordinationConfig = z.output<typeof coordinationEnv>;
