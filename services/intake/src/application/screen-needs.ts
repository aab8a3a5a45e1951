import type { ScreenNeedsRequest, ScreenNeedsResponse } from "@kopru/contracts/intake/v1/intake_service";
import { disabilityStatus } from "@kopru/referral/domain";
import { InvalidArgumentError } from "@kopru/service-kit";
import { v4 as uuidv4 } from "uuid";
import type { ScreeningRecord } from "../domain/records.js";
import { liveBeneficiary } from "./load.js";
import { rehashWithDocument } from "./matching.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { reusedKey } from "./request-keys.js";
import { announceContactChange } from "./update-contact-details.js";
import { screeningView } from "./views.js";

/**
 * Records a needs screening: services needed, vulnerability flags, Washington Group Short Set answers
 * (disability status derived with the standard cut-off), household composition, a needs summary and
 * the sections data contracts require (protection, GBV, child protection, health, MHPSS, financial,
 * education, legal document), and updates the person's contact safety and language when given. The
 * latest screening fills the package sections of later referrals. The answer shows GBV and
 * child-protection sections only to the protection-restricted role. Idempotent by request_id.
 */
export async function screenNeeds(
  deps: IntakeDeps,
  caller: Caller,
  request: ScreenNeedsRequest,
): Promise<ScreenNeedsResponse> {
  const now = deps.clock.now();
  let notify = false;
  let rehashed = false;
  const screening = await deps.db.transaction(async (tx) => {
    const claim = await deps.repos.requests.claim(tx, {
      organisationId: caller.organisationId,
      requestId: request.requestId,
      kind: "screen-needs",
      entityId: uuidv4(),
    });
    if (!claim.isNew) {
      const first =
        claim.kind === "screen-needs" ? await deps.repos.screenings.find(tx, claim.entityId) : undefined;
      if (
        !first ||
        first.beneficiaryId !== request.beneficiaryId ||
        first.organisationId !== caller.organisationId
      )
        throw reusedKey();
      return first;
    }
    const person = await liveBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId, {
      forUpdate: true,
    });
    const interpreterNeeded = request.interpreterNeeded ?? person.interpreterNeeded;
    const interpreterLanguage = interpreterNeeded
      ? (request.interpreterLanguage ?? person.interpreterLanguage)
      : undefined;
    if (interpreterNeeded && !interpreterLanguage) {
      throw new InvalidArgumentError([
        { field: "interpreter_language", description: "is required when an interpreter is needed" },
      ]);
    }
    const recorded: ScreeningRecord = {
      screeningId: claim.entityId,
      beneficiaryId: person.beneficiaryId,
      organisationId: caller.organisationId,
      servicesNeeded: [...new Set(request.servicesNeeded)],
      vulnerabilities: [...new Set(request.vulnerabilities)],
      washingtonGroupAnswers: request.washingtonGroupAnswers.map((a) => ({
        domain: a.domain,
        severity: a.severity,
      })),
      disabilityStatus: disabilityStatus(request.washingtonGroupAnswers),
      needsSummary: request.needsSummary?.trim() || undefined,
      household: request.household,
      ...screenedSections(request),
      screenedAt: now,
      screenedBy: caller.actor,
    };
    await deps.repos.screenings.insert(tx, recorded);
    const documentNumber = recorded.legalDocument?.documentNumber;
    if (deps.matching && documentNumber) {
      await rehashWithDocument(deps.matching, tx, person, documentNumber, now);
      rehashed = true;
    }
    const contact = {
      safeToContact: request.safeToContact ?? person.safeToContact,
      preferredLanguage: request.preferredLanguage ?? person.preferredLanguage,
      interpreterNeeded,
      interpreterLanguage,
    };
    if (
      contact.safeToContact !== person.safeToContact ||
      contact.preferredLanguage !== person.preferredLanguage ||
      contact.interpreterNeeded !== person.interpreterNeeded ||
      contact.interpreterLanguage !== person.interpreterLanguage
    ) {
      await deps.repos.beneficiaries.updateContact(tx, person.beneficiaryId, { ...contact, updatedAt: now });
      // The contact section partners hold changed: they are told (ADR 0018).
      const told = await announceContactChange(
        deps,
        tx,
        caller.organisationId,
        { ...person, ...contact },
        now,
        caller.actor,
      );
      if (told.notified.length > 0) notify = true;
    }
    await deps.repos.audit.record(tx, {
      organisationId: caller.organisationId,
      actor: caller.actor,
      token: caller.token,
      action: "screen",
      entityType: "screening",
      entityId: recorded.screeningId,
    });
    return recorded;
  });
  if (notify) deps.afterCommit();
  if (rehashed) deps.matching?.wake();
  return { screening: screeningView(screening, caller.restrictedAccess) };
}

/** The sections a data contract may require, as screened (free text trimmed, blank = absent). */
function screenedSections(request: ScreenNeedsRequest): Partial<ScreeningRecord> {
  const text = (value: string | undefined) => value?.trim() || undefined;
  const { protection, gbv, childProtection, health, mhpss, financial, education, legalDocument } = request;
  const sections: Partial<ScreeningRecord> = {};
  if (protection) sections.protection = { ...protection, concernsSummary: text(protection.concernsSummary) };
  if (gbv) sections.gbv = { ...gbv, survivorCentredNotes: text(gbv.survivorCentredNotes) };
  if (childProtection) {
    sections.childProtection = { ...childProtection, concernsSummary: text(childProtection.concernsSummary) };
  }
  if (health) sections.health = { ...health, conditionsSummary: text(health.conditionsSummary) };
  if (mhpss) sections.mhpss = { ...mhpss, priorSupportSummary: text(mhpss.priorSupportSummary) };
  if (financial) {
    sections.financial = {
      ...financial,
      accountHolderName: text(financial.accountHolderName),
      accountReference: text(financial.accountReference),
    };
  }
  if (education) sections.education = { ...education, schoolName: text(education.schoolName) };
  if (legalDocument) {
    sections.legalDocument = { ...legalDocument, documentNumber: text(legalDocument.documentNumber) };
  }
  return sections;
}
