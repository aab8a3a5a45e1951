import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import type {
  GetReferralResponse,
  ReferralInboxServiceClient,
} from "@kopru/contracts/referral/v1/inbox_service";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { call, publishReferral, startTestService } from "@kopru/referral/testkit";
import type { ClientCaller, ServiceConfig, ServiceSpec } from "@kopru/service-kit";
import { type NatsTestConnection, waitFor } from "@kopru/testing";
import type { z } from "zod";

// Test support for the receiving services (`@kopru/casework/testkit`; never imported by service code).

/** `startTestService` of `@kopru/referral/testkit` bound to one service's spec. */
export function serviceUnderTest<S extends z.ZodObject, C extends ServiceConfig>(spec: ServiceSpec<S, C>) {
  return (runName: string, env: Record<string, string>, options: { embedded?: boolean } = {}) =>
    startTestService(spec, runName, env, options);
}

/**
 * Sends the package to the service over JetStream, as a referrer's outbox would, and waits until the
 * service's inbox shows it RECEIVED to `caller`. Returns the referral id.
 */
export async function deliverReferral(
  service: { nats: NatsTestConnection },
  inbox: ReferralInboxServiceClient,
  pkg: ReferralPackage,
  caller: ClientCaller,
  timeoutMs = 15_000,
): Promise<string> {
  await publishReferral(service.nats, pkg);
  await waitFor(
    async () =>
      (
        await call<unknown, GetReferralResponse>(
          inbox,
          inbox.getReferral,
          { referralId: pkg.referralId },
          caller,
        )
      ).referral?.status === ReferralStatus.REFERRAL_STATUS_RECEIVED,
    { timeoutMs, message: "the referral never reached RECEIVED" },
  );
  return pkg.referralId;
}
