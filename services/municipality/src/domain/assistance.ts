import { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import type { RuleViolation } from "./errors.js";

export const DEFAULT_CURRENCY = "TRY";
/** 1,000,000.00 in minor units: anything above is a typing error for municipal direct assistance. */
export const MAX_AMOUNT_MINOR = 100_000_000;
export const MAX_DESCRIPTION_LENGTH = 500;
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const CURRENCY = /^[A-Z]{3}$/;

export interface Amount {
  amountMinor: number;
  currency: string;
}

export interface DirectAssistanceDraft {
  kind: AssistanceKind;
  amount: Amount | undefined;
  description: string | undefined;
  providedAt: Date;
}

/** An amount as stored: the currency defaults to TRY when left empty. */
export function normaliseAmount(amount: Amount | undefined): Amount | undefined {
  if (!amount) return undefined;
  return {
    amountMinor: amount.amountMinor,
    currency: amount.currency === "" ? DEFAULT_CURRENCY : amount.currency,
  };
}

/** The rules direct assistance must meet; empty when it meets them all. Expects a normalised amount. */
export function directAssistanceViolations(draft: DirectAssistanceDraft, now: Date): RuleViolation[] {
  const violations: RuleViolation[] = [];
  const { amount } = draft;
  if (draft.kind === AssistanceKind.ASSISTANCE_KIND_CASH && (!amount || amount.amountMinor === 0))
    violations.push({ field: "amount", description: "is required (above zero) for cash assistance" });
  if (amount) {
    if (!Number.isSafeInteger(amount.amountMinor) || amount.amountMinor < 0)
      violations.push({
        field: "amount.amount_minor",
        description: "must be a whole, non-negative number of minor units",
      });
    else if (amount.amountMinor > MAX_AMOUNT_MINOR)
      violations.push({ field: "amount.amount_minor", description: `must be at most ${MAX_AMOUNT_MINOR}` });
    if (!CURRENCY.test(amount.currency))
      violations.push({
        field: "amount.currency",
        description: 'must be an ISO 4217 code in upper case, e.g. "TRY"',
      });
  }
  if ((draft.description?.length ?? 0) > MAX_DESCRIPTION_LENGTH)
    violations.push({
      field: "description",
      description: `must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
    });
  if (Number.isNaN(draft.providedAt.getTime()))
    violations.push({ field: "provided_at", description: "is not a valid timestamp" });
  else if (draft.providedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
    violations.push({ field: "provided_at", description: "must not be in the future" });
  return violations;
}
