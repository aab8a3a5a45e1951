import type { Money } from "@kopru/contracts/common/v1/money";

const CURRENCY = /^[A-Z]{3}$/;

export interface Violation {
  /** The request field in proto spelling. */
  field: string;
  description: string;
}

/** What is wrong with an amount: a whole, non-negative number of minor units and an ISO 4217 code. */
export function moneyProblems(money: Money | undefined, field: string): Violation[] {
  if (!money) return [{ field, description: "is required" }];
  const problems: Violation[] = [];
  if (!Number.isSafeInteger(money.amountMinor) || money.amountMinor < 0)
    problems.push({
      field: `${field}.amount_minor`,
      description: "must be a whole, non-negative number of minor units",
    });
  if (!CURRENCY.test(money.currency))
    problems.push({
      field: `${field}.currency`,
      description: 'must be an ISO 4217 code in capitals, e.g. "TRY"',
    });
  return problems;
}

/** "5,000.00 TRY": minor units shown with two decimals, computed on integers (no float rounding). */
export function formatMoney(money: Money): string {
  const sign = money.amountMinor < 0 ? "-" : "";
  const minor = Math.abs(money.amountMinor);
  const major = Math.trunc(minor / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${major}.${String(minor % 100).padStart(2, "0")} ${money.currency}`;
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.amountMinor === b.amountMinor && a.currency === b.currency;
}
