import type { PageRequest } from "@kopru/contracts/common/v1/refs";
import type { Organisation, ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import type {
  ErasureRequestTracked,
  ReferralFollowUpChanged,
  ReferralOutcomeReported,
  ReferralStatusChanged,
} from "@kopru/contracts/referral/v1/events";
import type { Sql } from "@kopru/storage";
import type { FigureCounts } from "../domain/figures.js";

// The ports the use cases talk to. Adapters in src/adapters/persistence implement them over the
// service's own PostgreSQL (or PGlite); every method takes the connection or transaction to use,
// so a use case decides what commits together.

export interface StoredOrganisation {
  organisation: Organisation;
  /** Sequence of the last event published about it (0 = none yet). */
  version: number;
  createdAt: Date;
}

export interface StoredOffering {
  offering: ServiceOffering;
  version: number;
  createdAt: Date;
  removedAt: Date | undefined;
}

export type SaveMode = "insert" | "update";

export interface Page<T> {
  items: T[];
  /** Matching items in all pages; unknown when the page asked for lies past the end. */
  total: number | undefined;
}

export interface OrganisationFilter {
  partnerKinds: readonly number[];
  provinceCodes: readonly string[];
  includeInactive: boolean;
}

export interface OfferingFilter {
  organisationIds: readonly string[];
  serviceTypes: readonly number[];
  capacityStatuses: readonly number[];
  includeInactive: boolean;
}

export interface DirectoryRepository {
  organisation(
    sql: Sql,
    id: string,
    options?: { forUpdate?: boolean },
  ): Promise<StoredOrganisation | undefined>;
  /** Which of `ids` are already used by an organisation. */
  takenOrganisationIds(sql: Sql, ids: readonly string[]): Promise<Set<string>>;
  /** `insert` fails with ConflictError when the id was taken meanwhile; `update` replaces the row. */
  saveOrganisation(sql: Sql, stored: StoredOrganisation, mode: SaveMode): Promise<void>;
  offering(sql: Sql, id: string, options?: { forUpdate?: boolean }): Promise<StoredOffering | undefined>;
  saveOffering(sql: Sql, stored: StoredOffering, mode: SaveMode): Promise<void>;
  listOrganisations(
    sql: Sql,
    filter: OrganisationFilter,
    page: PageRequest | undefined,
  ): Promise<Page<Organisation>>;
  listOfferings(
    sql: Sql,
    filter: OfferingFilter,
    page: PageRequest | undefined,
  ): Promise<Page<ServiceOffering>>;
  /** Active, not removed offerings of a service type covering a province, with their organisations. */
  searchCandidates(
    sql: Sql,
    serviceType: number,
    provinceCode: string,
  ): Promise<{ offerings: ServiceOffering[]; organisations: Map<string, Organisation> }>;
}

/** Coordination's PII-free record of one referral (a row of the read model). */
export interface TrackedReferralRecord {
  referralId: string;
  rootReferralId: string;
  parentReferralId: string | undefined;
  childReferralIds: string[];
  origin: number;
  referrerOrganisationId: string;
  targetOrganisationId: string;
  serviceOfferingId: string | undefined;
  serviceType: number;
  priority: number;
  status: number;
  sequence: number;
  declineReason: number;
  notCompletedReason: number;
  cancelReason: number;
  onHoldReason: number;
  redirectReason: number;
  outcomeCodes: number[];
  requestedAt: Date;
  respondBy: Date;
  receivedAt: Date | undefined;
  respondedAt: Date | undefined;
  acceptedAt: Date | undefined;
  startedAt: Date | undefined;
  completedAt: Date | undefined;
  closedAt: Date | undefined;
  updatedAt: Date;
  sex: number;
  ageBand: number;
  disabilityStatus: number;
  nationality: string;
  legalStatus: number;
  provinceCode: string;
  districtCode: string;
  rerouteRequestedAt: Date | undefined;
  rerouteReason: number | undefined;
  /** Id of a child referral made to re-route this one, once its first event arrived. */
  reroutedAs: string | undefined;
  /** Whether a staff member of the target is assigned to it (never who; ReferralFollowUpChanged). */
  assigned: boolean;
  /** kopru.referral.v1.FollowUpStage of its follow-up after acceptance, and the deadline. */
  followUpStage: number;
  followUpDueAt: Date | undefined;
}

/** Which referrals a tracking query covers; empty lists mean "all". */
export interface TrackingFilter {
  requestedFrom?: Date | undefined;
  requestedBefore?: Date | undefined;
  targetOrganisationIds: readonly string[];
  referrerOrganisationIds: readonly string[];
  serviceTypes: readonly number[];
  provinceCodes: readonly string[];
  priorities: readonly number[];
  sexes: readonly number[];
  ageBands: readonly number[];
  disabilityStatuses: readonly number[];
  nationalities: readonly string[];
  /** Only referrals this organisation sent or received (a caller who is not a coordinator). */
  involving?: string | undefined;
}

/** A grouping dimension of the figures, by its read-model column. */
export type FigureColumn =
  | "target_organisation_id"
  | "referrer_organisation_id"
  | "service_type"
  | "province_code"
  | "priority"
  | "sex"
  | "age_band"
  | "disability_status"
  | "nationality";

export interface GroupCounts {
  /** Values of the grouped columns, in the order asked. */
  key: Record<FigureColumn, string | number>;
  counts: FigureCounts;
}

export interface TransitionRecord {
  eventId: string;
  referralId: string;
  sequence: number;
  occurredAt: Date;
  transition: ReferralStatusChanged;
}

export interface TrackingRepository {
  /** Folds one status event into the read model (idempotent for a repeated event id). */
  applyStatusChange(
    sql: Sql,
    eventId: string,
    change: ReferralStatusChanged,
    occurredAt: Date,
  ): Promise<void>;
  /** Keeps a referral's outcome report unless a later one (higher version) is kept already. */
  applyOutcomeReport(
    sql: Sql,
    report: ReferralOutcomeReported,
    version: number,
    occurredAt: Date,
  ): Promise<void>;
  /** Keeps a referral's follow-up and assignment state unless a later one (higher version) is kept. */
  applyFollowUp(sql: Sql, change: ReferralFollowUpChanged, version: number): Promise<void>;
  referral(
    sql: Sql,
    referralId: string,
    options?: { forUpdate?: boolean },
  ): Promise<TrackedReferralRecord | undefined>;
  chain(sql: Sql, rootReferralId: string): Promise<TrackedReferralRecord[]>;
  transitions(sql: Sql, referralIds: readonly string[]): Promise<TransitionRecord[]>;
  figures(
    sql: Sql,
    filter: TrackingFilter,
    groupBy: readonly FigureColumn[],
    now: Date,
  ): Promise<GroupCounts[]>;
  /** The grouped figures and their total (every referral is in exactly one group). */
  figuresAndTotal(
    sql: Sql,
    filter: TrackingFilter,
    groupBy: readonly FigureColumn[],
    now: Date,
  ): Promise<{ groups: GroupCounts[]; total: GroupCounts }>;
  /** When the read model last changed: occurred_at of the newest transition applied. */
  asOf(sql: Sql): Promise<Date | undefined>;
  overdue(
    sql: Sql,
    filter: TrackingFilter,
    options: { now: Date; includeExpired: boolean; followUp?: boolean; limit: number; offset: number },
  ): Promise<Page<TrackedReferralRecord>>;
  markReRouteRequested(sql: Sql, referralId: string, at: Date, reason: number): Promise<void>;
}

/** Live capacity counts (PII-free): referrals holding a place per offering, community-centre seats. */
export interface PlacesRepository {
  /** Adds `delta` (+1 / -1) to the places an offering's referrals hold (never below 0). */
  addPlaces(sql: Sql, serviceOfferingId: string, delta: number, at: Date): Promise<void>;
  placesTaken(sql: Sql, serviceOfferingId: string): Promise<number>;
  /** Keeps an activity's latest seats; false when an older report arrived after a newer one. */
  saveActivitySeats(
    sql: Sql,
    seats: {
      activityId: string;
      organisationId: string;
      serviceType: number;
      capacity: number;
      seatsTaken: number;
      changedAt: Date;
    },
  ): Promise<boolean>;
  /** The summed seats of an organisation's activities of a service type, if it reported any. */
  seatsOf(
    sql: Sql,
    organisationId: string,
    serviceType: number,
  ): Promise<{ capacity: number; seatsTaken: number } | undefined>;
  /** The organisation's offerings of a service type still in the directory. */
  offeringsOf(sql: Sql, organisationId: string, serviceType: number): Promise<string[]>;
}

export interface ErasureTrackingFilter {
  /** Only this requester's requests; undefined = the whole network (coordinators). */
  requesterOrganisationId: string | undefined;
  overdueOnly: boolean;
  includeCompleted: boolean;
  now: Date;
  page: { limit: number; offset: number };
}

/** Network-wide erasure requests as their requesters report them (PII-free, ADR 0023). */
export interface ErasureTrackingRepository {
  /** Keeps the report unless a newer one (higher version) is kept already. */
  apply(tx: Sql, report: ErasureRequestTracked, version: number): Promise<void>;
  /** Oldest KVKK due date first. */
  list(
    sql: Sql,
    filter: ErasureTrackingFilter,
  ): Promise<Page<ErasureRequestTracked> & { limit: number; offset: number }>;
}
