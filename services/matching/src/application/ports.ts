import type { MatchKeyKind, MatchStrength } from "@kopru/contracts/matching/v1/matching";
import type { Database, Sql } from "@kopru/storage";
import type { Candidate } from "../domain/matches.js";

// The ports the use cases talk to; adapters/persistence implements them in SQL. Repositories take the
// connection or transaction to run on, so a use case decides what commits together.

export interface RecordKey {
  organisationId: string;
  recordRef: string;
}

export interface StoredHash {
  kind: MatchKeyKind;
  hash: string;
}

export interface StoredMatch {
  matchId: string;
  seeker: RecordKey;
  holder: RecordKey;
  strength: MatchStrength;
  foundAt: Date;
}

export interface StoredLink {
  matchId: string;
  linkedByOrganisationId: string;
  consentId: string;
  linkedAt: Date;
  seekerOrganisationId: string;
  seekerRecordRef: string | undefined;
  holderOrganisationId: string;
  holderRecordRef: string | undefined;
}

export interface MatchStore {
  /** Creates the record or replaces its hashes. */
  saveRecord(tx: Sql, record: RecordKey, hashes: readonly StoredHash[], at: Date): Promise<void>;
  exists(sql: Sql, record: RecordKey): Promise<boolean>;
  /** Records of other organisations sharing at least one hash with this one, with the kinds shared. */
  candidates(sql: Sql, record: RecordKey): Promise<Candidate[]>;
  /** The pair's match, created at `at` on first sight; its strength follows the latest finding. */
  upsertMatch(
    tx: Sql,
    pair: { seeker: RecordKey; holder: RecordKey; strength: MatchStrength },
    at: Date,
  ): Promise<StoredMatch>;
  /** A match told to `seekerOrganisationId`; undefined for any other. */
  findMatch(sql: Sql, matchId: string, seekerOrganisationId: string): Promise<StoredMatch | undefined>;
  /** Deletes the record, its hashes and its matches, and clears its ref from links. */
  removeRecord(tx: Sql, record: RecordKey): Promise<boolean>;
  /** The consent ids of those of `matchIds` that are linked. */
  linkedConsents(sql: Sql, matchIds: readonly string[]): Promise<Map<string, string>>;
  /** Inserts the link unless the match is linked already; returns the link that stands. */
  link(tx: Sql, link: StoredLink): Promise<StoredLink>;
  /** Links where the organisation is either side, newest first. */
  links(
    sql: Sql,
    filter: { organisationId: string; recordRef?: string | undefined; limit: number; offset: number },
  ): Promise<StoredLink[]>;
}

export interface MatchingDeps {
  db: Database;
  store: MatchStore;
  clock: { now(): Date };
}
