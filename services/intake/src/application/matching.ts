import type { KeyedHash, MatchLink, PossibleMatch } from "@kopru/contracts/matching/v1/matching";
import { contractKindOf, keyedHashes } from "@kopru/matching-keys";
import type { Sql } from "@kopru/storage";
import { v4 as uuidv4 } from "uuid";
import type { BeneficiaryRecord } from "../domain/records.js";

// Cross-organisation duplicates (ADR 0027). At registration intake hashes the person's identifiers
// with the network secret and keeps the hashes (never the identifiers again) in a row that a worker
// sends to the matching service until it is acknowledged: the service being down delays the answer
// and loses nothing. Erasure turns the row into a removal, sent the same way.

/** One person's registration at the matching service, as intake keeps it. */
export interface MatchingRegistration {
  beneficiaryId: string;
  organisationId: string;
  recordRef: string;
  hashes: KeyedHash[] | undefined;
  wanted: "registered" | "removed";
  version: number;
  syncedVersion: number;
  attempts: number;
  possibleMatches: PossibleMatch[];
  checkedAt: Date | undefined;
}

export interface MatchingRegistrations {
  insert(tx: Sql, registration: MatchingRegistration, at: Date): Promise<void>;
  find(sql: Sql, beneficiaryId: string): Promise<MatchingRegistration | undefined>;
  /** Rows whose latest version is not acknowledged and whose next attempt is due. */
  pending(sql: Sql, now: Date, limit: number): Promise<MatchingRegistration[]>;
  /** Records the answer to `version`; false when the row changed meanwhile (it stays pending). */
  synced(
    sql: Sql,
    beneficiaryId: string,
    version: number,
    answer: { possibleMatches: PossibleMatch[]; checkedAt: Date },
  ): Promise<boolean>;
  failed(sql: Sql, beneficiaryId: string, version: number, error: string, retryAt: Date): Promise<void>;
  /** New hashes for a record still registered: a new version to send. False when there is none. */
  replaceHashes(tx: Sql, beneficiaryId: string, hashes: KeyedHash[], at: Date): Promise<boolean>;
  /** Asks for the record's removal: hashes and answer dropped, a new version to send. */
  markRemoved(tx: Sql, beneficiaryId: string, at: Date): Promise<boolean>;
}

/** The matching service as intake calls it, with its own service identity, for the organisation named. */
export interface MatchingClient {
  register(organisationId: string, recordRef: string, hashes: KeyedHash[]): Promise<PossibleMatch[]>;
  find(organisationId: string, recordRef: string): Promise<PossibleMatch[]>;
  remove(organisationId: string, recordRef: string): Promise<void>;
  link(organisationId: string, matchId: string, consentId: string): Promise<MatchLink | undefined>;
}

export interface MatchingDeps {
  secret: Uint8Array;
  client: MatchingClient;
  registrations: MatchingRegistrations;
  /** Called after a commit that queued a registration or removal. */
  wake(): void;
}

/** How long a failed send waits before the next, by attempt (capped at ten minutes). */
export function retryDelayMs(attempts: number): number {
  return Math.min(600_000, 1_000 * 2 ** Math.min(attempts, 10));
}

/**
 * Queues the person's keyed hashes for the matching service, inside the registration's transaction.
 * The identifiers are read here and hashed at once; only the hashes are kept.
 */
export async function queueMatchingRegistration(
  matching: MatchingDeps,
  tx: Sql,
  person: BeneficiaryRecord,
  now: Date,
  documentNumber?: string,
): Promise<void> {
  const hashes = hashesOf(matching, person, now, documentNumber);
  await matching.registrations.insert(
    tx,
    {
      beneficiaryId: person.beneficiaryId,
      organisationId: person.organisationId,
      // Opaque and used nowhere else: the matching service cannot join it with any other id.
      recordRef: uuidv4(),
      hashes,
      wanted: "registered",
      version: 1,
      syncedVersion: 0,
      attempts: 0,
      possibleMatches: [],
      checkedAt: undefined,
    },
    now,
  );
}

function hashesOf(
  matching: MatchingDeps,
  person: BeneficiaryRecord,
  now: Date,
  documentNumber: string | undefined,
): KeyedHash[] {
  return keyedHashes(
    {
      givenName: person.givenName,
      familyName: person.familyName,
      birthYear: person.birthYear,
      phoneNumber: person.phoneNumber,
      documentNumber,
    },
    matching.secret,
    now,
  ).map((h) => ({ kind: contractKindOf(h.kind), hash: h.hash }));
}

/**
 * A document number screened after registration joins the person's keys (a document alone makes a
 * strong match): the hashes are replaced and sent again, inside the screening's transaction. A person
 * registered before matching was on is queued now.
 */
export async function rehashWithDocument(
  matching: MatchingDeps,
  tx: Sql,
  person: BeneficiaryRecord,
  documentNumber: string,
  now: Date,
): Promise<void> {
  const hashes = hashesOf(matching, person, now, documentNumber);
  if (await matching.registrations.replaceHashes(tx, person.beneficiaryId, hashes, now)) return;
  if (!(await matching.registrations.find(tx, person.beneficiaryId)))
    await queueMatchingRegistration(matching, tx, person, now, documentNumber);
}

/**
 * Erasure's part here: the record is to be removed from the matching service; its hashes and the last
 * answer go now, the removal is sent by the worker. For the erasure saga to call in its transaction.
 */
export async function forgetMatchingRecord(
  matching: MatchingDeps | undefined,
  tx: Sql,
  beneficiaryId: string,
  now: Date,
): Promise<void> {
  if (!matching) return;
  await matching.registrations.markRemoved(tx, beneficiaryId, now);
}

/**
 * Sends one registration's latest version to the matching service and records the answer. Throws
 * what the call threw, after recording the failure and when to try again.
 */
export async function sendRegistration(
  matching: MatchingDeps,
  sql: Sql,
  registration: MatchingRegistration,
  now: () => Date,
): Promise<PossibleMatch[]> {
  try {
    let possibleMatches: PossibleMatch[] = [];
    if (registration.wanted === "removed")
      await matching.client.remove(registration.organisationId, registration.recordRef);
    else
      possibleMatches = await matching.client.register(
        registration.organisationId,
        registration.recordRef,
        registration.hashes ?? [],
      );
    await matching.registrations.synced(sql, registration.beneficiaryId, registration.version, {
      possibleMatches,
      checkedAt: now(),
    });
    return possibleMatches;
  } catch (error) {
    const attempts = registration.attempts + 1;
    await matching.registrations.failed(
      sql,
      registration.beneficiaryId,
      registration.version,
      failureName(error),
      new Date(now().getTime() + retryDelayMs(attempts)),
    );
    throw error;
  }
}

/** A failure by its gRPC status name or error class: never its message, which may echo a request. */
export function failureName(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "number") return `grpc:${code}`;
  return (error as Error | undefined)?.name ?? "Error";
}
