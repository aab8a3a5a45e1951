import type { ReceivedEvent } from "@kopru/bus";
import type {
  Disclosure,
  ExportSubjectAccessRequest,
  ExportSubjectAccessResponse,
  ListDisclosuresRequest,
  ListDisclosuresResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import type { ConsentWithdrawalRecorded, DisclosureRecorded } from "@kopru/contracts/referral/v1/events";
import {
  type DisclosureEntry,
  disclosureLedger,
  holdersFromLedger,
  ReferralNotFoundError,
  referralStore,
  referralView,
} from "@kopru/referral";
import { NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import type { BeneficiaryRecord } from "../domain/records.js";
import { ownBeneficiary } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { beneficiaryView, consentView, screeningView } from "./views.js";

/** More referrals than one person ever has; a bound so the read stays one query. */
const MAX_REFERRALS_PER_PERSON = 10_000;

export function disclosureView(entry: DisclosureEntry): Disclosure {
  return {
    disclosureId: entry.disclosureId,
    kind: entry.kind,
    referralId: entry.referralId ?? "",
    rootReferralId: entry.rootReferralId ?? "",
    senderOrganisationId: entry.senderOrganisationId,
    recipientOrganisationId: entry.recipientOrganisationId,
    dataCategories: [...entry.dataCategories],
    purpose: entry.purpose,
    consentId: entry.consentId,
    freshConsent: entry.freshConsent,
    disclosedAt: entry.disclosedAt,
    disclosedBy: entry.disclosedBy
      ? {
          kind: entry.disclosedBy.kind,
          organisationId: entry.senderOrganisationId,
          actorId: entry.disclosedBy.actorId ?? "",
          role: 0,
        }
      : undefined,
  };
}

/** The person a request names: by beneficiary id, or through a referral the organisation made. */
async function personOf(
  deps: Pick<IntakeDeps, "repos">,
  tx: Sql,
  request: { beneficiaryId: string; referralId: string },
  organisationId: string,
): Promise<BeneficiaryRecord> {
  if (request.beneficiaryId) return ownBeneficiary(deps, tx, request.beneficiaryId, organisationId);
  const referral = await referralStore.find(tx, request.referralId, "referrer");
  if (!referral || referral.referrerOrganisationId !== organisationId)
    throw new ReferralNotFoundError(request.referralId);
  const person = await deps.repos.beneficiaries.findByRef(tx, referral.beneficiaryRef, organisationId);
  if (!person) throw new NotFoundError("beneficiary of referral", request.referralId);
  return person;
}

/**
 * ListDisclosures: where the person's data went, from the caller's organisation's ledger — its own
 * packages and contact updates, and the redirects and onward referrals holders reported down its
 * chains — oldest first. Audited.
 */
export async function listDisclosures(
  deps: IntakeDeps,
  caller: Caller,
  request: ListDisclosuresRequest,
): Promise<ListDisclosuresResponse> {
  return deps.db.transaction(async (tx) => {
    const person = await personOf(deps, tx, request, caller.organisationId);
    const entries = await disclosureLedger.forBeneficiary(tx, caller.organisationId, person.beneficiaryRef);
    await deps.repos.audit.record(tx, {
      organisationId: caller.organisationId,
      actor: caller.actor,
      token: caller.token,
      action: "list-disclosures",
      entityType: "beneficiary",
      entityId: person.beneficiaryId,
    });
    return { disclosures: entries.map(disclosureView) };
  });
}

/**
 * ExportSubjectAccess: the data-subject access answer — the person as registered, every consent
 * (with holders' acknowledgements of withdrawals), the latest screening, the referrals made for them
 * and every disclosure. GBV and child-protection sections of the screening follow the caller's role
 * as in GetBeneficiary. Audited.
 */
export async function exportSubjectAccess(
  deps: IntakeDeps,
  caller: Caller,
  request: ExportSubjectAccessRequest,
): Promise<ExportSubjectAccessResponse> {
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const person = await personOf(deps, tx, request, caller.organisationId);
    const consents = await deps.repos.consents.forBeneficiary(tx, person.beneficiaryId);
    const latest = await deps.repos.screenings.latest(tx, person.beneficiaryId);
    const referrals = await referralStore.sent(tx, {
      organisationIds: [caller.organisationId],
      statuses: [],
      beneficiaryRef: person.beneficiaryRef,
      limit: MAX_REFERRALS_PER_PERSON,
      offset: 0,
    });
    const disclosures = await disclosureLedger.forBeneficiary(
      tx,
      caller.organisationId,
      person.beneficiaryRef,
    );
    const acknowledgements = await deps.repos.withdrawalAcknowledgements.forConsents(
      tx,
      consents.map((c) => c.consentId),
      caller.organisationId,
    );
    await deps.repos.audit.record(tx, {
      organisationId: caller.organisationId,
      actor: caller.actor,
      token: caller.token,
      action: "export-subject-access",
      entityType: "beneficiary",
      entityId: person.beneficiaryId,
    });
    return {
      export: {
        exportedAt: now,
        organisationId: caller.organisationId,
        beneficiary: beneficiaryView(person, latest, now),
        consents: consents.map(consentView),
        latestScreening: latest ? screeningView(latest, caller.restrictedAccess) : undefined,
        referrals: referrals.map(referralView),
        disclosures: disclosures.map(disclosureView),
        withdrawalAcknowledgements: acknowledgements,
      },
    };
  });
}

/**
 * Every organisation that received the person's data from `organisationId` or further down its
 * chains, with the referrals through which it did, from the disclosure ledger: whom an erasure or a
 * withdrawal must reach.
 */
export async function holdersOfBeneficiary(
  deps: Pick<IntakeDeps, "repos">,
  tx: Sql,
  organisationId: string,
  beneficiaryId: string,
): Promise<{ organisationId: string; referralIds: string[] }[]> {
  const person = await ownBeneficiary(deps, tx, beneficiaryId, organisationId);
  return holdersFromLedger(tx, organisationId, person.beneficiaryRef);
}

/** A holder down one of the organisation's chains disclosed onward: kept in its ledger. */
export async function applyDisclosureRecorded(
  tx: Sql,
  organisationId: string,
  event: ReceivedEvent<DisclosureRecorded>,
): Promise<void> {
  const reported = event.payload;
  if (reported.rootReferrerOrganisationId !== organisationId) return;
  await disclosureLedger.record(tx, {
    disclosureId: reported.disclosureId,
    kind: reported.kind,
    ledgerOrganisationId: organisationId,
    referralId: reported.referralId || undefined,
    rootReferralId: reported.rootReferralId || undefined,
    parentReferralId: reported.parentReferralId || undefined,
    senderOrganisationId: reported.senderOrganisationId,
    recipientOrganisationId: reported.recipientOrganisationId,
    dataCategories: reported.dataCategories,
    purpose: reported.purpose,
    consentId: reported.consentId,
    freshConsent: reported.freshConsent,
    disclosedAt: reported.disclosedAt ?? event.occurredAt,
    reported: true,
  });
}

/** A holder acknowledged a withdrawal of one of the organisation's consents: kept per holder. */
export async function applyWithdrawalRecorded(
  deps: Pick<IntakeDeps, "repos">,
  tx: Sql,
  organisationId: string,
  event: ReceivedEvent<ConsentWithdrawalRecorded>,
): Promise<void> {
  if (event.payload.referrerOrganisationId !== organisationId) return;
  await deps.repos.withdrawalAcknowledgements.record(tx, {
    ...event.payload,
    recordedAt: event.payload.recordedAt ?? event.occurredAt,
  });
}
