import { appendToOutbox } from "@kopru/bus";
import { DataCategory } from "@kopru/contracts/common/v1/vocabulary";
import type {
  UpdateContactDetailsRequest,
  UpdateContactDetailsResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import type { SafeContactWindow } from "@kopru/contracts/referral/v1/package";
import { EVENTS } from "@kopru/events";
import { type ReferralRecord, referralStore } from "@kopru/referral";
import { dataContractFor } from "@kopru/referral/domain";
import type { Sql } from "@kopru/storage";
import { v4 as uuidv4 } from "uuid";
import { personSections } from "../domain/package.js";
import type { BeneficiaryRecord, ConsentRecordStored } from "../domain/records.js";
import { ownBeneficiary } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { reusedKey } from "./request-keys.js";
import { beneficiaryView } from "./views.js";

/** More referrals than one person ever has; a bound so the read stays one query. */
const MAX_REFERRALS_PER_PERSON = 10_000;

/**
 * Replaces the person's safe-contact details (safe to contact, safe times, safe windows, preferred
 * method, and the phone number when given). When something changed, the contact version goes up and
 * every organisation holding a package with the person's contact section gets its own
 * ContactDetailsUpdated, naming only its referrals, in the same transaction (ADR 0018). Holders are
 * the targets of the caller's organisation's referrals whose package carries the contact section, and
 * the targets further down those chains (redirects, onward referrals) whose service may receive it;
 * only under a consent that is neither withdrawn nor expired and covers contact data. Idempotent by
 * request_id; an update that changes nothing sends nothing.
 */
export async function updateContactDetails(
  deps: IntakeDeps,
  caller: Caller,
  request: UpdateContactDetailsRequest,
): Promise<UpdateContactDetailsResponse> {
  const now = deps.clock.now();
  const { person, notified, changed } = await deps.db.transaction(async (tx) => {
    const claim = await deps.repos.requests.claim(tx, {
      organisationId: caller.organisationId,
      requestId: request.requestId,
      kind: "update-contact",
      entityId: uuidv4(),
    });
    if (!claim.isNew) {
      const first =
        claim.kind === "update-contact"
          ? await deps.repos.contactDetails.findUpdate(tx, claim.entityId)
          : undefined;
      if (
        !first ||
        first.beneficiaryId !== request.beneficiaryId ||
        first.organisationId !== caller.organisationId
      )
        throw reusedKey();
      const current = await ownBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId);
      return { person: current, notified: first.notifiedOrganisationIds, changed: false };
    }
    // Locked: a referral sent meanwhile either carries the new details or is told about them.
    const before = await ownBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId, {
      forUpdate: true,
    });
    const after: BeneficiaryRecord = {
      ...before,
      safeToContact: request.safeToContact,
      safeTimes: request.safeTimes?.trim() || undefined,
      safeContactWindows: request.safeContactWindows.map((w) => ({
        days: [...new Set(w.days)].sort((a, b) => a - b),
        startMinute: w.startMinute,
        endMinute: w.endMinute,
      })),
      preferredContactMethod: request.preferredContactMethod,
      phoneNumber: request.phoneNumber === undefined ? before.phoneNumber : request.phoneNumber || undefined,
      updatedAt: now,
    };
    const differs = !sameContact(before, after);
    let version = await deps.repos.contactDetails.version(tx, before.beneficiaryId);
    let notifiedIds: string[] = [];
    if (differs) {
      await deps.repos.contactDetails.save(tx, before.beneficiaryId, after);
      ({ version, notified: notifiedIds } = await announceContactChange(
        deps,
        tx,
        caller.organisationId,
        after,
        now,
      ));
    }
    await deps.repos.contactDetails.recordUpdate(tx, {
      updateId: claim.entityId,
      beneficiaryId: before.beneficiaryId,
      organisationId: caller.organisationId,
      version,
      notifiedOrganisationIds: notifiedIds,
      at: now,
    });
    await deps.repos.audit.record(tx, {
      organisationId: caller.organisationId,
      actor: caller.actor,
      token: caller.token,
      action: "update-contact",
      entityType: "beneficiary",
      entityId: before.beneficiaryId,
    });
    return { person: differs ? after : before, notified: notifiedIds, changed: notifiedIds.length > 0 };
  });
  if (changed) deps.afterCommit();
  const latest = await deps.repos.screenings.latest(deps.db, person.beneficiaryId);
  return { beneficiary: beneficiaryView(person, latest, now), notifiedOrganisationIds: [...notified] };
}

/**
 * After the person's contact section changed (UpdateContactDetails, or ScreenNeeds changing safety or
 * language), inside that transaction: counts the new version and appends one ContactDetailsUpdated per
 * holder of the section (see `contactHolders`). Returns the version and the holders told.
 */
export async function announceContactChange(
  deps: IntakeDeps,
  tx: Sql,
  organisationId: string,
  person: BeneficiaryRecord,
  now: Date,
): Promise<{ version: number; notified: string[] }> {
  const version = await deps.repos.contactDetails.nextVersion(tx, person.beneficiaryId);
  const holders = await contactHolders(deps, tx, organisationId, person, now);
  const contact = personSections(person, undefined, now).contact;
  const producer = { organisationId, service: "intake" };
  for (const [holder, referralIds] of holders) {
    await appendToOutbox(tx, producer, {
      definition: EVENTS.contactDetailsUpdated,
      payload: {
        beneficiaryRef: person.beneficiaryRef,
        organisationId: holder,
        referralIds,
        contact,
        version,
        updatedAt: now,
        referrerOrganisationId: organisationId,
      },
      // Versioned per person; each holder keeps the highest version it has seen.
      aggregate: { type: "beneficiary-contact", id: person.beneficiaryRef, sequence: version },
      correlationId: person.beneficiaryRef,
      occurredAt: now,
    });
  }
  return { version, notified: [...holders.keys()] };
}

function sameWindows(a: readonly SafeContactWindow[], b: readonly SafeContactWindow[]): boolean {
  const key = (ws: readonly SafeContactWindow[]) =>
    JSON.stringify(ws.map((w) => [[...w.days].sort((x, y) => x - y), w.startMinute, w.endMinute]).sort());
  return key(a) === key(b);
}

function sameContact(a: BeneficiaryRecord, b: BeneficiaryRecord): boolean {
  return (
    a.safeToContact === b.safeToContact &&
    a.safeTimes === b.safeTimes &&
    a.preferredContactMethod === b.preferredContactMethod &&
    a.phoneNumber === b.phoneNumber &&
    sameWindows(a.safeContactWindows, b.safeContactWindows)
  );
}

function inForce(consent: ConsentRecordStored | undefined, at: Date): boolean {
  return (
    consent !== undefined &&
    !consent.withdrawnAt &&
    (consent.expiresAt?.getTime() ?? 0) > at.getTime() &&
    (consent.scope?.dataCategories ?? []).includes(DataCategory.DATA_CATEGORY_CONTACT)
  );
}

function contractTakesContact(serviceType: number): boolean {
  try {
    const contract = dataContractFor(serviceType);
    return [...contract.required, ...contract.optional].includes(DataCategory.DATA_CATEGORY_CONTACT);
  } catch {
    return false;
  }
}

/**
 * Holder organisation → its referrals that carry (or, down a chain, may carry) the person's contact
 * section. The caller's own referrals count when their package has the section and their consent is
 * in force; a redirect or onward referral further down such a chain counts when its service's data
 * contract takes contact data (intake never sees those packages, only their PII-free status events).
 */
async function contactHolders(
  deps: IntakeDeps,
  tx: Sql,
  organisationId: string,
  person: BeneficiaryRecord,
  at: Date,
): Promise<Map<string, string[]>> {
  const own: ReferralRecord[] = await referralStore.sent(tx, {
    organisationIds: [organisationId],
    statuses: [],
    beneficiaryRef: person.beneficiaryRef,
    limit: MAX_REFERRALS_PER_PERSON,
    offset: 0,
  });
  const consents = new Map<string, ConsentRecordStored | undefined>();
  const consentOf = async (consentId: string) => {
    if (!consents.has(consentId))
      consents.set(consentId, await deps.repos.consents.find(tx, consentId, organisationId));
    return consents.get(consentId);
  };
  const held = new Map<string, Set<string>>();
  const add = (holder: string, referralId: string) => {
    if (!holder || holder === organisationId) return;
    held.set(holder, (held.get(holder) ?? new Set()).add(referralId));
  };
  const ownIds = new Set(own.map((r) => r.referralId));
  // Own referrals whose package carries the section: only what descends from them can carry it.
  const sources = new Set<string>();
  const roots = new Set<string>();
  for (const referral of own) {
    if (!referral.package.sharedDataCategories.includes(DataCategory.DATA_CATEGORY_CONTACT)) continue;
    if (!inForce(await consentOf(referral.consentId), at)) continue;
    add(referral.targetOrganisationId, referral.referralId);
    sources.add(referral.referralId);
    roots.add(referral.rootReferralId);
  }
  for (const root of roots) {
    const events = await deps.repos.referrals.chainEvents(tx, root);
    const parentOf = new Map(events.map((e) => [e.referralId, e.parentReferralId]));
    const descendsFromSource = (referralId: string) => {
      const seen = new Set<string>();
      for (let id = parentOf.get(referralId); id && !seen.has(id); id = parentOf.get(id)) {
        if (sources.has(id)) return true;
        seen.add(id);
      }
      return false;
    };
    for (const event of events) {
      if (ownIds.has(event.referralId) || !contractTakesContact(event.serviceType)) continue;
      if (descendsFromSource(event.referralId)) add(event.targetOrganisationId, event.referralId);
    }
  }
  return new Map(
    [...held.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([holder, ids]) => [holder, [...ids].sort()]),
  );
}
