import { startTestService } from "@kopru/referral/testkit";
import type { ServiceConfig, ServiceSpec } from "@kopru/service-kit";
import type { z } from "zod";

// Test support for the receiving services (`@kopru/casework/testkit`; never imported by service code).

/** `startTestService` of `@kopru/referral/testkit` bound to one service's spec. */
export function serviceUnderTest<S extends z.ZodObject, C extends ServiceConfig>(spec: ServiceSpec<S, C>) {
  return (runName: string, env: Record<string, string>, options: { embedded?: boolean } = {}) =>
    startTestService(spec, runName, env, options);
}
