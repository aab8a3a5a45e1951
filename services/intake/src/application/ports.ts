import type { Actor } from "@kopru/contracts/common/v1/refs";
import type { Priority, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { Organisation, ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import type { ConsentWithdrawalReason } from "@kopru/contracts/referral/v1/consent";
import type {
  ConsentWithdrawalRecorded,
  ErasureRequestReason,
  ErasureResult,
  ReferralStatusChanged,
} from "@kopru/contracts/referral/v1/events";
import type { Acting, KeysetPage, PageKey, ReferralLifecycle, TokenCaller } from "@kopru/referral";
import type { Database, Sql } from "@kopru/storage";
import type { BeneficiaryRecord, ConsentRecordStored, ScreeningRecord } from "../domain/records.js";
import type { MatchingDeps } from "./matching.js";

// The ports the use cases talk to. Repositories take the connection or transaction to run on, so a
// use case decides what commits together; adapters/persistence implements them in SQL.

/** Who is calling: the organisation intake acts for, and the principal within it. */
export interface Caller {
  organisationId: string;
  /** As stored on records (ids only). */
  actor: Actor;
  /** As the referral library needs it (the referrer party). */
  acting: Acting;
  /** The verified token's subject and client, for the audit log; absent when intake acts by itself. */
  token?: TokenCaller | undefined;
  /**
   * Staff with the protection-restricted role: the only callers shown the GBV and child-protection
   * details intake holds (screenings, packages sent). Absent = no.
   */
  restrictedAccess?: boolean | undefined;
}

export interface BeneficiaryRepository {
  insert(tx: Sql, record: BeneficiaryRecord): Promise<void>;
  /** Only a person the organisation registered; undefined otherwise. */
  find(
    sql: Sql,
    beneficiaryId: string,
    organisationId: string,
    options?: { forUpdate?: boolean },
  ): Promise<BeneficiaryRecord | undefined>;
  findByRef(sql: Sql, beneficiaryRef: string, organisationId: string): Promise<BeneficiaryRecord | undefined>;
  /** Other people of the organisation with the same names and birth year. */
  possibleDuplicates(sql: Sql, record: BeneficiaryRecord): Promise<string[]>;
  updateContact(
    tx: Sql,
    beneficiaryId: string,
    contact: Pick<
      BeneficiaryRecord,
      "safeToContact" | "preferredLanguage" | "interpreterNeeded" | "interpreterLanguage" | "updatedAt"
    >,
  ): Promise<void>;
}

export interface ConsentRepository {
  insert(tx: Sql, consent: ConsentRecordStored): Promise<void>;
  /** Only a consent the organisation recorded; undefined otherwise. */
  find(
    sql: Sql,
    consentId: string,
    organisationId: string,
    /**
     * `update` while withdrawing; `share` while sending under it, so a referral and a withdrawal of
     * its consent never interleave (the withdrawal either sees the referral or the referral sees it
     * withdrawn).
     */
    options?: { lock?: "update" | "share" },
  ): Promise<ConsentRecordStored | undefined>;
  /** Newest first. */
  forBeneficiary(sql: Sql, beneficiaryId: string): Promise<ConsentRecordStored[]>;
  markWithdrawn(
    tx: Sql,
    consentId: string,
    withdrawal: {
      at: Date;
      reason: ConsentWithdrawalReason;
      notifiedOrganisationIds: readonly string[];
      cancelledReferralIds: readonly string[];
    },
  ): Promise<void>;
}

export interface ScreeningRepository {
  insert(tx: Sql, screening: ScreeningRecord): Promise<void>;
  find(sql: Sql, screeningId: string): Promise<ScreeningRecord | undefined>;
  latest(sql: Sql, beneficiaryId: string): Promise<ScreeningRecord | undefined>;
}

export type RequestKind =
  | "register-beneficiary"
  | "record-consent"
  | "screen-needs"
  | "update-contact"
  | "request-erasure";

export interface RequestRepository {
  /**
   * Claims an idempotency key inside the command's transaction: returns the entity created under it
   * (`entityId` given here when the key is new). A concurrent twin waits for this transaction.
   */
  claim(
    tx: Sql,
    key: { organisationId: string; requestId: string; kind: RequestKind; entityId: string },
  ): Promise<{ entityId: string; kind: string; isNew: boolean }>;
  /** Points a claimed key at another entity (a request answered by one that already existed). */
  rebind(tx: Sql, organisationId: string, requestId: string, entityId: string): Promise<void>;
}

export interface AuditEntry {
  organisationId: string;
  actor: Actor;
  action: string;
  entityType: "beneficiary" | "consent" | "screening";
  entityId: string;
  token: TokenCaller | undefined;
}

export interface AuditLog {
  record(tx: Sql, entry: AuditEntry): Promise<void>;
}

export interface PartnerOrganisationRepository {
  /** Makes exactly these organisations active (others stay, inactive, for their history). */
  seed(db: Database, organisationIds: readonly string[]): Promise<void>;
  isServed(sql: Sql, organisationId: string): Promise<boolean>;
}

export interface SentReferralFilter {
  organisationId: string;
  statuses: readonly number[];
  serviceTypes: readonly ServiceType[];
  beneficiaryRef?: string | undefined;
  requestedFrom?: Date | undefined;
  requestedBefore?: Date | undefined;
  priorities: readonly Priority[];
  /** Only referrals whose status or outcome changed at or after this instant. */
  updatedSince?: Date | undefined;
  page: KeysetPage;
}

/** Reads over the referral library's tables that its store does not offer (see README). */
export interface ReferralQueries {
  /** One keyset page of the referrals the organisation made, in the page's order, with their keys. */
  sentPage(sql: Sql, filter: SentReferralFilter): Promise<PageKey[]>;
  /** The organisation's own referrals in a chain. */
  ownInChain(sql: Sql, rootReferralId: string, organisationId: string): Promise<string[]>;
  /** PII-free status events of every referral of a chain this service started. */
  chainEvents(sql: Sql, rootReferralId: string): Promise<ReferralStatusChanged[]>;
  /** The organisation's referrals made under a consent. */
  sentUnderConsent(sql: Sql, consentId: string, organisationId: string): Promise<string[]>;
  /** The re-route child of a referral, if it was re-routed. */
  rerouteChildOf(sql: Sql, referralId: string): Promise<string | undefined>;
}

export interface NoteRepository {
  add(
    tx: Sql,
    note: {
      referralId: string;
      organisationId: string;
      actorId?: string | undefined;
      kind: string;
      note: string;
      at: Date;
    },
  ): Promise<void>;
}

export type RerouteOutcome =
  | "rerouted"
  | "needs_new_consent"
  | "no_candidate"
  | "not_reroutable"
  | "already_rerouted";

export interface RerouteLogEntry {
  referralId: string;
  rootReferralId: string;
  organisationId: string;
  source: "coordination" | "staff";
  reason: number;
  eventId?: string | undefined;
  outcome: RerouteOutcome;
  childReferralId?: string | undefined;
  consentId?: string | undefined;
  candidateOrganisationId?: string | undefined;
  consentProblems: readonly string[];
  excludedOrganisationIds: readonly string[];
  requestedAt: Date;
}

export interface RerouteLog {
  record(tx: Sql, entry: RerouteLogEntry): Promise<void>;
}

/** One UpdateContactDetails as applied: the version it made and the holders it told. */
export interface ContactUpdateRecord {
  updateId: string;
  beneficiaryId: string;
  organisationId: string;
  version: number;
  notifiedOrganisationIds: readonly string[];
  at: Date;
}

/** The person's safe-contact details and their version (ADR 0018). */
export interface ContactDetailsRepository {
  /** How many times the person's contact section changed after registration (0: as registered). */
  version(sql: Sql, beneficiaryId: string): Promise<number>;
  /** Counts one more change of the contact section; returns the new version. */
  nextVersion(tx: Sql, beneficiaryId: string): Promise<number>;
  save(
    tx: Sql,
    beneficiaryId: string,
    details: Pick<
      BeneficiaryRecord,
      | "safeToContact"
      | "safeTimes"
      | "safeContactWindows"
      | "preferredContactMethod"
      | "phoneNumber"
      | "updatedAt"
    >,
  ): Promise<void>;
  recordUpdate(tx: Sql, update: ContactUpdateRecord): Promise<void>;
  findUpdate(sql: Sql, updateId: string): Promise<ContactUpdateRecord | undefined>;
}

/** One holder asked to erase (ADR 0023): the referrals it received the data through, its deadline, its answer. */
export interface ErasureHolderRecord {
  organisationId: string;
  referralIds: readonly string[];
  requestedAt: Date;
  confirmBy: Date;
  /** Set once confirm_by passed without an answer (kept after a late answer). */
  overdueSince?: Date | undefined;
  /** UNSPECIFIED while pending. */
  result: ErasureResult;
  confirmedAt?: Date | undefined;
}

/** A network-wide erasure request made through intake (ids and codes only). */
export interface ErasureRequestRecord {
  erasureRequestId: string;
  organisationId: string;
  beneficiaryId: string;
  reason: ErasureRequestReason;
  requestedAt: Date;
  requestedBy: Actor;
  kvkkDueBy: Date;
  completedAt?: Date | undefined;
  /** The person's ref as holders know it, only while the request is open. */
  beneficiaryRef?: string | undefined;
  trackedSequence: number;
  holders: ErasureHolderRecord[];
}

export interface ErasureRequestRepository {
  insert(tx: Sql, record: ErasureRequestRecord): Promise<void>;
  addHolder(
    tx: Sql,
    erasureRequestId: string,
    holder: Pick<ErasureHolderRecord, "organisationId" | "referralIds" | "requestedAt" | "confirmBy">,
  ): Promise<void>;
  /** Only a request the organisation made; undefined otherwise. */
  find(
    sql: Sql,
    erasureRequestId: string,
    organisationId: string,
    options?: { forUpdate?: boolean },
  ): Promise<ErasureRequestRecord | undefined>;
  /** The person's request not yet completed (locked), if any. */
  openFor(tx: Sql, beneficiaryId: string): Promise<ErasureRequestRecord | undefined>;
  /** Records a holder's answer; false when it had answered before. */
  recordConfirmation(
    tx: Sql,
    erasureRequestId: string,
    organisationId: string,
    answer: { result: ErasureResult; confirmedAt: Date; recordedAt: Date },
  ): Promise<boolean>;
  /** Marks a still-pending holder overdue; false when it answered or was marked before. */
  markOverdue(tx: Sql, erasureRequestId: string, organisationId: string, at: Date): Promise<boolean>;
  /** Every holder answered: the request completes and forgets the person's ref. */
  complete(tx: Sql, erasureRequestId: string, at: Date): Promise<void>;
  nextTrackedSequence(tx: Sql, erasureRequestId: string): Promise<number>;
}

/** Read side of this service's replica of coordination's directory (libs/directory). */
export interface Directory {
  organisation(organisationId: string): Promise<Organisation | undefined>;
  organisations(): Promise<Organisation[]>;
  offerings(filter?: {
    serviceType?: number;
    organisationId?: string;
    activeOnly?: boolean;
  }): Promise<ServiceOffering[]>;
}

export interface Repositories {
  beneficiaries: BeneficiaryRepository;
  consents: ConsentRepository;
  screenings: ScreeningRepository;
  requests: RequestRepository;
  audit: AuditLog;
  partners: PartnerOrganisationRepository;
  referrals: ReferralQueries;
  notes: NoteRepository;
  reroutes: RerouteLog;
  contactDetails: ContactDetailsRepository;
  erasures: ErasureRequestRepository;
  withdrawalAcknowledgements: WithdrawalAcknowledgements;
}

/** Holders' acknowledgements of the consent withdrawals intake sent (ConsentWithdrawalRecorded). */
export interface WithdrawalAcknowledgements {
  /** Once per consent and holder; a redelivery changes nothing. */
  record(tx: Sql, ack: ConsentWithdrawalRecorded): Promise<void>;
  /** The acknowledgements of these consents, oldest first. */
  forConsents(
    sql: Sql,
    consentIds: readonly string[],
    referrerOrganisationId: string,
  ): Promise<ConsentWithdrawalRecorded[]>;
}

export interface Clock {
  now(): Date;
}

export interface LogPort {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Everything the use cases need, built once by app.ts. */
export interface IntakeDeps {
  db: Database;
  repos: Repositories;
  /**
   * The directory replica read through `sql`: inside a command, pass its transaction (the embedded
   * PGlite is one connection, so a read beside the open transaction would wait for it forever).
   */
  directory(sql: Sql): Directory;
  lifecycle: ReferralLifecycle;
  clock: Clock;
  logger: LogPort;
  /** Called after a commit that wrote outbox rows, so the events leave at once. */
  afterCommit(): void;
  /** Network-wide erasure (ADR 0023): how long each holder has to confirm. */
  erasure: { confirmWithinMs: number };
  /** Cross-organisation duplicate matching (ADR 0027); undefined when MATCHING_ADDRESS is not set. */
  matching?: MatchingDeps | undefined;
}
