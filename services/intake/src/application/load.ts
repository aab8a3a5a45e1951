import { NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { BeneficiaryErasedError } from "../domain/errors.js";
import type { BeneficiaryRecord, ConsentRecordStored } from "../domain/records.js";
import type { IntakeDeps } from "./ports.js";

// Loading a record the caller's organisation owns; anything else — unknown, or another
// organisation's — is the same NOT_FOUND, so a caller cannot learn that it exists.

export async function ownBeneficiary(
  deps: Pick<IntakeDeps, "repos">,
  sql: Sql,
  beneficiaryId: string,
  organisationId: string,
  options: { forUpdate?: boolean } = {},
): Promise<BeneficiaryRecord> {
  const found = await deps.repos.beneficiaries.find(sql, beneficiaryId, organisationId, options);
  if (!found) throw new NotFoundError("beneficiary", beneficiaryId);
  return found;
}

/** `liveBeneficiary`'s checks on a person already read (with the other reads of a transaction). */
export function liveBeneficiaryOf(
  found: BeneficiaryRecord | undefined,
  beneficiaryId: string,
): BeneficiaryRecord {
  if (!found) throw new NotFoundError("beneficiary", beneficiaryId);
  if (found.erasedAt) throw new BeneficiaryErasedError(beneficiaryId);
  return found;
}

/** `ownConsent`'s checks on a consent already read: it must be the person's. */
export function ownConsentOf(
  found: ConsentRecordStored | undefined,
  consentId: string,
  beneficiaryId: string,
): ConsentRecordStored {
  if (!found || found.beneficiaryId !== beneficiaryId) throw new NotFoundError("consent", consentId);
  return found;
}

/** A person of the organisation whose data was not erased: anything new about them is refused once it was. */
export async function liveBeneficiary(
  deps: Pick<IntakeDeps, "repos">,
  sql: Sql,
  beneficiaryId: string,
  organisationId: string,
  options: { forUpdate?: boolean } = {},
): Promise<BeneficiaryRecord> {
  const person = await ownBeneficiary(deps, sql, beneficiaryId, organisationId, options);
  if (person.erasedAt) throw new BeneficiaryErasedError(beneficiaryId);
  return person;
}

/** A consent of the organisation; with `beneficiaryId`, it must also be that person's. */
export async function ownConsent(
  deps: Pick<IntakeDeps, "repos">,
  sql: Sql,
  consentId: string,
  organisationId: string,
  options: { lock?: "update" | "share"; beneficiaryId?: string } = {},
): Promise<ConsentRecordStored> {
  const found = await deps.repos.consents.find(sql, consentId, organisationId, options);
  if (!found || (options.beneficiaryId !== undefined && found.beneficiaryId !== options.beneficiaryId)) {
    throw new NotFoundError("consent", consentId);
  }
  return found;
}
