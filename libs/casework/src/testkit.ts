import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  type DataCategory,
  type PartnerKind,
  type Priority,
  type Purpose,
  ReferralOrigin,
  ReferralStatus,
  type ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import type {
  GetReferralResponse,
  ReferralInboxServiceClient,
} from "@kopru/contracts/referral/v1/inbox_service";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { presentDataCategories } from "@kopru/referral";
import { call, publishReferral, startTestService } from "@kopru/referral/testkit";
import type { ClientCaller, ServiceConfig, ServiceSpec } from "@kopru/service-kit";
import { type NatsTestConnection, waitFor } from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
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

const YEAR = 365 * 86_400_000;

type PackageFields = Parameters<typeof ReferralPackage.fromPartial>[0];

/**
 * A consented, direct referral package from `from` to `to` (synthetic person), requested now by a staff
 * member of the referrer, with a consent for a year covering what `consent` says; the shared categories
 * are the sections present. `person` holds the person's sections, `extra` overrides anything.
 */
export function consentedTestPackage(
  input: {
    from: string;
    to: string;
    serviceType: ServiceType;
    referrerName: string;
    requestedBy: string;
    priority: Priority;
    purpose: Purpose;
    consent: { organisationIds: string[]; partnerKinds: PartnerKind[]; dataCategories: DataCategory[] };
    reasonForReferral: string;
    person: PackageFields;
  },
  extra: PackageFields = {},
): ReferralPackage {
  const referralId = uuidv7();
  const pkg = ReferralPackage.fromPartial({
    referralId,
    rootReferralId: referralId,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: `ben-${uuidv7()}`,
    referrer: { organisationId: input.from, displayName: input.referrerName },
    target: { organisationId: input.to },
    serviceType: input.serviceType,
    priority: input.priority,
    purpose: input.purpose,
    consentId: uuidv7(),
    consentExpiresAt: new Date(Date.now() + YEAR),
    consentScope: { ...input.consent, purposes: [input.purpose] },
    requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: input.from, actorId: input.requestedBy },
    requestedAt: new Date(),
    reasonForReferral: input.reasonForReferral,
    ...input.person,
    ...extra,
  });
  return { ...pkg, sharedDataCategories: presentDataCategories(pkg) };
}
