import type { Actor } from "@kopru/contracts/common/v1/refs";
import type {
  UpdateContactDetailsRequest,
  UpdateContactDetailsResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import type { SafeContactWindow } from "@kopru/contracts/referral/v1/package";
import { announceContactChange as announceReferrerContactChange } from "@kopru/referral";
import type { Sql } from "@kopru/storage";
import { v4 as uuidv4 } from "uuid";
import { personSections } from "../domain/package.js";
import type { BeneficiaryRecord } from "../domain/records.js";
import { liveBeneficiary, ownBeneficiary } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { reusedKey } from "./request-keys.js";
import { beneficiaryView } from "./views.js";

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
    const before = await liveBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId, {
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
        caller.actor,
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
 * holder of the section, each with its row in the disclosure ledger (the referral library's
 * `announceContactChange`, under the consents recorded here). Returns the version and the holders told.
 */
export async function announceContactChange(
  deps: IntakeDeps,
  tx: Sql,
  organisationId: string,
  person: BeneficiaryRecord,
  now: Date,
  actor?: Actor | undefined,
): Promise<{ version: number; notified: string[] }> {
  const version = await deps.repos.contactDetails.nextVersion(tx, person.beneficiaryId);
  const directory = deps.directory(tx);
  const notified = await announceReferrerContactChange(
    tx,
    {
      organisationId,
      service: "intake",
      beneficiaryRef: person.beneficiaryRef,
      contact: personSections(person, undefined, now).contact,
      version,
      at: now,
      actor,
    },
    {
      consentOf: async (consentId) => {
        const consent = await deps.repos.consents.find(tx, consentId, organisationId);
        return consent && { ...consent, scope: consent.scope ?? NO_SCOPE };
      },
      partnerKindOf: async (id) => (await directory.organisation(id))?.partnerKind,
    },
  );
  return { version, notified };
}

const NO_SCOPE = { organisationIds: [], partnerKinds: [], purposes: [], dataCategories: [] };

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
