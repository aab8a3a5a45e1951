import { holdNamedLock, type Sql } from "@kopru/storage";

/** Whose cases a lock covers: one person at one organisation, optionally one kind of case. */
export interface PersonKey {
  organisationId: string;
  beneficiaryRef: string;
  /** Narrows the lock to one kind of case when a person may hold one open case per kind. */
  scope?: string | undefined;
}

/**
 * Serialises everything that opens or joins a case for one person at one organisation until the
 * transaction ends. The one locking rule of casework: a transaction-scoped advisory lock taken before
 * looking for an open case, so two acceptances for the same person never both open one.
 */
export async function lockPerson(sql: Sql, key: PersonKey): Promise<void> {
  const scope = key.scope === undefined ? "" : `:${key.scope}`;
  await holdNamedLock(sql, `casework-person:${key.organisationId}:${key.beneficiaryRef}${scope}`);
}

/** How a service's own case model answers the steps of opening or joining a case. */
export interface CaseOpening<Case> {
  /** An open case that already serves the referral (the acceptance was replayed). */
  servingCase(): Promise<Case | undefined>;
  /** The person's open case that the referral may join. */
  joinableCase(): Promise<Case | undefined>;
  /** Links the referral to the existing case (and records it). */
  join(existing: Case): Promise<Case>;
  /** Opens a new case for the referral (and announces and records it). */
  open(): Promise<Case>;
}

export type CaseOpened<Case> = { action: "served" | "joined" | "opened"; case: Case };

/**
 * What every receiving service does when one of its organisations accepts a referral, inside the
 * accepting transaction: under the person's lock, a case that already serves the referral is kept,
 * else the referral joins the person's open case, else a case is opened. It never refuses: a refusal
 * would undo the acceptance, and a concurrent acceptance for the same person waits on the lock and
 * then joins the case the first one opened.
 */
export async function openOrJoinCase<Case>(
  sql: Sql,
  person: PersonKey,
  steps: CaseOpening<Case>,
): Promise<CaseOpened<Case>> {
  await lockPerson(sql, person);
  const serving = await steps.servingCase();
  if (serving) return { action: "served", case: serving };
  const existing = await steps.joinableCase();
  if (existing) return { action: "joined", case: await steps.join(existing) };
  return { action: "opened", case: await steps.open() };
}
