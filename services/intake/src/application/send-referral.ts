import type {
  DataCategory,
  Priority,
  Purpose,
  ReferralOrigin,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  CapacityStatus,
  type Organisation,
  type ServiceMatch,
  type ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";
import type { RoutingCriteria } from "@kopru/contracts/intake/v1/intake_service";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { rankOfferings } from "@kopru/directory";
import {
  ConsentRefusedError,
  DataContractUnmetError,
  preparePackage,
  type ReferralRecord,
  RestrictedDataRefusedError,
  referralStore,
} from "@kopru/referral";
import { presentDataCategories } from "@kopru/referral/domain";
import { NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { v7 as uuidv7 } from "uuid";
import { categoriesToOffer, uncoveredAsked } from "../domain/categories.js";
import {
  NoCandidateError,
  OfferingNotTakingReferralsError,
  OfferingServiceTypeMismatchError,
} from "../domain/errors.js";
import { sourcePackage } from "../domain/package.js";
import type { BeneficiaryRecord, ConsentRecordStored, ScreeningRecord } from "../domain/records.js";
import {
  firstAccepted,
  matchCriteria,
  offeredServiceTypesOf,
  rankCandidates,
  routingLocation,
} from "../domain/routing.js";
import type { Caller, Directory, IntakeDeps } from "./ports.js";
import { reusedKey } from "./request-keys.js";

export type Routing =
  | { kind: "explicit"; organisationId: string; serviceOfferingId?: string | undefined }
  | {
      kind: "criteria";
      criteria: RoutingCriteria | undefined;
      alsoExcluded?: readonly string[];
      preferredOfferingId?: string | undefined;
    };

/** The routing oneof of CreateReferral and RouteReferral, as intake routes. */
export function routingOf(
  routing:
    | { $case: "explicitTarget"; value: { organisationId: string; serviceOfferingId?: string | undefined } }
    | { $case: "routingCriteria"; value: RoutingCriteria }
    | undefined,
): Routing {
  return routing?.$case === "explicitTarget"
    ? {
        kind: "explicit",
        organisationId: routing.value.organisationId,
        serviceOfferingId: routing.value.serviceOfferingId || undefined,
      }
    : { kind: "criteria", criteria: routing?.value };
}

/**
 * Claims a referral command's request_id in the referral library's idempotency table, inside the
 * command's transaction: either the referral made first under it (when `answers` confirms it was made
 * for this same request, otherwise the key was reused: INVALID_ARGUMENT), or a new referral id.
 */
export async function claimReferralRequest(
  tx: Sql,
  organisationId: string,
  requestId: string,
  answers: (first: ReferralRecord) => boolean,
): Promise<{ referralId: string; first?: ReferralRecord }> {
  const referralId = uuidv7();
  const claimed = await referralStore.rememberRequest(tx, organisationId, requestId, referralId);
  return claimedReferral(tx, claimed, referralId, answers);
}

/** `claimReferralRequest` once `rememberRequest` answered `claimed` for the new `referralId`. */
export async function claimedReferral(
  tx: Sql,
  claimed: string,
  referralId: string,
  answers: (first: ReferralRecord) => boolean,
): Promise<{ referralId: string; first?: ReferralRecord }> {
  if (claimed === referralId) return { referralId };
  const first = await referralStore.find(tx, claimed, "referrer");
  if (!first || !answers(first)) throw reusedKey();
  return { referralId: claimed, first };
}

/**
 * The directory replica, each lookup read once per transaction: a caller can read ahead, with its
 * other reads, what sending will look up, and sending finds the answer already there.
 */
export function readOnce(directory: Directory): Directory {
  const seen = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let answer = seen.get(key) as Promise<T> | undefined;
    if (!answer) {
      answer = read();
      seen.set(key, answer);
    }
    return answer;
  };
  return {
    organisation: (organisationId) =>
      once(`organisation:${organisationId}`, () => directory.organisation(organisationId)),
    organisations: () => once("organisations", () => directory.organisations()),
    offerings: (filter) =>
      once(
        `offerings:${JSON.stringify([filter?.serviceType, filter?.organisationId, filter?.activeOnly])}`,
        () => directory.offerings(filter),
      ),
  };
}

export interface SendReferralInput {
  referralId?: string;
  caller: Caller;
  person: BeneficiaryRecord;
  consent: ConsentRecordStored;
  screening: ScreeningRecord | undefined;
  serviceType: ServiceType;
  priority: Priority;
  purpose: Purpose;
  reasonForReferral: string;
  /** Categories the referrer chose; empty = the data contract's rule (see categoriesToOffer). */
  askedCategories: readonly DataCategory[];
  routing: Routing;
  origin: ReferralOrigin;
  parent?: { referralId: string; rootReferralId: string } | undefined;
  /** The directory to look targets up in; default: the replica, read in this transaction. */
  directory?: Directory | undefined;
  /** The withdrawal register's entry for the consent, read ahead (see `SendOptions.heldWithdrawal`). */
  heldWithdrawal?: { withdrawnAt?: Date | undefined } | undefined;
}

function isRefusal(error: unknown): boolean {
  return (
    error instanceof ConsentRefusedError ||
    error instanceof DataContractUnmetError ||
    error instanceof RestrictedDataRefusedError
  );
}

/**
 * Builds the package from everything intake holds about the person, picks the target (named, or the
 * best-ranked candidate the consent covers), cuts the package to what that target may receive
 * (`preparePackage`: the service type's data contract and the consent) and sends it through the
 * referral library — all inside the caller's transaction. A refusal throws before anything is written,
 * so nothing is stored and nothing is published.
 */
export async function sendReferral(
  tx: Sql,
  deps: IntakeDeps,
  input: SendReferralInput,
): Promise<ReferralRecord> {
  const now = deps.clock.now();
  const referralId = input.referralId ?? uuidv7();
  const { caller, consent } = input;
  const directory = input.directory ?? deps.directory(tx);
  const referrer = await directory.organisation(caller.organisationId);
  const source = sourcePackage({
    referralId,
    parent: input.parent,
    origin: input.origin,
    person: input.person,
    screening: input.screening,
    consent: {
      consentId: consent.consentId,
      scope: consent.scope ?? { organisationIds: [], partnerKinds: [], purposes: [], dataCategories: [] },
      expiresAt: consent.expiresAt,
    },
    referrer: { organisationId: caller.organisationId, displayName: referrer?.name },
    serviceType: input.serviceType,
    priority: input.priority,
    purpose: input.purpose,
    reasonForReferral: input.reasonForReferral,
    requestedBy: caller.actor,
    at: now,
  });
  const offered = categoriesToOffer(input.serviceType, input.askedCategories, presentDataCategories(source));
  const candidates = await candidatesFor(directory, input, now);

  const { result: pkg } = firstAccepted(
    candidates,
    (candidate): ReferralPackage => {
      const organisation = candidate.organisation as Organisation;
      const { pkg: minimised, categories } = preparePackage({
        source,
        consent: {
          consentId: consent.consentId,
          scope: source.consentScope ?? {
            organisationIds: [],
            partnerKinds: [],
            purposes: [],
            dataCategories: [],
          },
          expiresAt: consent.expiresAt,
          withdrawnAt: consent.withdrawnAt,
        },
        target: {
          organisationId: organisation.organisationId,
          partnerKind: organisation.partnerKind,
          // GBV and child-protection sections need the offering routed to to be of their service type.
          offeredServiceTypes: offeredServiceTypesOf(candidate),
        },
        serviceType: input.serviceType,
        purpose: input.purpose,
        onlyCategories: offered,
        at: now,
      });
      const notCovered = uncoveredAsked(input.askedCategories, categories);
      if (notCovered.length > 0) {
        throw new ConsentRefusedError(consent.consentId, [
          { kind: "data_category_not_covered", categories: notCovered },
        ]);
      }
      return {
        ...minimised,
        target: { organisationId: organisation.organisationId, displayName: organisation.name },
        serviceOfferingId: candidate.serviceOffering?.serviceOfferingId,
      };
    },
    {
      isRefusal,
      noCandidate: () =>
        new NoCandidateError(
          input.serviceType,
          routingLocation({ criteria: criteriaOf(input), person: input.person })?.provinceCode ?? "",
        ),
    },
  );

  const target = await directory.organisation(pkg.target?.organisationId ?? "");
  const record = await deps.lifecycle.send(tx, pkg, caller.acting, {
    targetPartnerKind: target?.partnerKind,
    consentWithdrawnAt: consent.withdrawnAt,
    heldWithdrawal: input.heldWithdrawal,
  });
  if (input.parent) await referralStore.addChild(tx, input.parent.referralId, "referrer", referralId);
  return record;
}

function criteriaOf(input: SendReferralInput): RoutingCriteria | undefined {
  return input.routing.kind === "criteria" ? input.routing.criteria : undefined;
}

/** The targets to try, best first: the one named, or the ranked candidates of the directory replica. */
async function candidatesFor(
  directory: Directory,
  input: SendReferralInput,
  at: Date,
): Promise<ServiceMatch[]> {
  const { routing } = input;
  if (routing.kind === "explicit") return [await explicitTarget(directory, input, routing, at)];
  const offerings = await directory.offerings({ serviceType: input.serviceType });
  const organisations = new Map((await directory.organisations()).map((o) => [o.organisationId, o]));
  return rankCandidates(offerings, organisations, {
    serviceType: input.serviceType,
    criteria: routing.criteria,
    person: input.person,
    at,
    alsoExcluded: routing.alsoExcluded,
    preferredOfferingId: routing.preferredOfferingId,
  });
}

/**
 * A target named by the referrer: an active organisation of the directory; the offering named must be
 * one of its active offerings of the service type and take referrals. Without one, its best-ranked
 * offering of the service type is recorded when it has any.
 */
async function explicitTarget(
  directory: Directory,
  input: SendReferralInput,
  routing: Extract<Routing, { kind: "explicit" }>,
  at: Date,
): Promise<ServiceMatch> {
  const organisation = await directory.organisation(routing.organisationId);
  if (!organisation?.active) throw new NotFoundError("organisation", routing.organisationId);
  const offerings = await directory.offerings({
    organisationId: organisation.organisationId,
    activeOnly: false,
  });
  let offering: ServiceOffering | undefined;
  if (routing.serviceOfferingId) {
    offering = offerings.find((o) => o.serviceOfferingId === routing.serviceOfferingId && o.active);
    if (!offering) throw new NotFoundError("service offering", routing.serviceOfferingId);
    if (offering.serviceType !== input.serviceType) {
      throw new OfferingServiceTypeMismatchError(
        offering.serviceOfferingId,
        offering.serviceType,
        input.serviceType,
      );
    }
    if (
      offering.capacityStatus === CapacityStatus.CAPACITY_STATUS_FULL ||
      offering.capacityStatus === CapacityStatus.CAPACITY_STATUS_SUSPENDED
    ) {
      throw new OfferingNotTakingReferralsError(
        offering.serviceOfferingId,
        CapacityStatus[offering.capacityStatus]?.replace("CAPACITY_STATUS_", "").toLowerCase() ?? "unknown",
      );
    }
  } else {
    const ofType = offerings.filter((o) => o.active && o.serviceType === input.serviceType);
    const ranked = rankOfferings(ofType, new Map([[organisation.organisationId, organisation]]), {
      ...matchCriteria({ serviceType: input.serviceType, criteria: undefined, person: input.person, at }),
      includeUnavailable: true,
    });
    offering = ranked[0]?.serviceOffering ?? ofType[0];
  }
  return { serviceOffering: offering, organisation, rank: 1, score: 0, reasons: [] };
}
