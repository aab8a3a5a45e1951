import {
  type BusLayout,
  type Codec,
  defineEvent,
  type EventDefinition,
  type StreamDefinition,
  subjectToken,
} from "@kopru/bus";
import { SealingKeyPublished } from "@kopru/contracts/common/v1/sealing";
import { ActivityCapacityChanged, EnrolmentCreated } from "@kopru/contracts/communitycentre/v1/events";
import {
  OrganisationUpserted,
  ReferralReRouteRequested,
  ServiceOfferingCapacityChanged,
  ServiceOfferingRemoved,
  ServiceOfferingUpserted,
} from "@kopru/contracts/coordination/v1/events";
import { AssistanceDelivered, EcmCaseClosed, EcmCaseOpened } from "@kopru/contracts/ecm/v1/events";
import { BeneficiaryRegistered, ConsentRecorded } from "@kopru/contracts/intake/v1/events";
import {
  CounsellingSessionRecorded,
  DirectAssistanceProvided,
  MunicipalityCaseClosed,
  MunicipalityCaseOpened,
} from "@kopru/contracts/municipality/v1/events";
import { StaffNotice } from "@kopru/contracts/notification/v1/events";
import { ProtectionCaseClosed, ProtectionCaseOpened } from "@kopru/contracts/protection/v1/events";
import {
  BeneficiaryErasureConfirmed,
  BeneficiaryErasureRequested,
  ConsentWithdrawalRecorded,
  ConsentWithdrawn,
  ContactDetailsUpdated,
  DisclosureRecorded,
  ErasureRequestTracked,
  ReferralCancelled,
  ReferralFollowUpChanged,
  ReferralOutcomeReported,
  ReferralRequested,
  ReferralStatusChanged,
} from "@kopru/contracts/referral/v1/events";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Longer than the outbox relay's longest backoff (30 s) by far: a row re-published after a crash
// between JetStream's ack and the "sent" mark is dropped by JetStream (ADR 0002).
const DUPLICATE_WINDOW = 2 * HOUR;

export const STREAMS = {
  referral: {
    name: "KOPRU_REFERRAL",
    subjects: ["kopru.v1.referral.>"],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: DUPLICATE_WINDOW,
  },
  consent: {
    name: "KOPRU_CONSENT",
    subjects: ["kopru.v1.consent.>"],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: DUPLICATE_WINDOW,
  },
  // Kept without age limit: a service started for the first time replays it to build its copy
  // of the directory.
  directory: {
    name: "KOPRU_DIRECTORY",
    subjects: ["kopru.v1.directory.>"],
    maxAgeMs: 0,
    duplicateWindowMs: DUPLICATE_WINDOW,
  },
  coordination: {
    name: "KOPRU_COORDINATION",
    subjects: ["kopru.v1.coordination.>"],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: DUPLICATE_WINDOW,
  },
  case: {
    name: "KOPRU_CASE",
    subjects: ["kopru.v1.case.>"],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: DUPLICATE_WINDOW,
  },
  // Notices for staff (ids and codes only), read by the notification service.
  notice: {
    name: "KOPRU_NOTICE",
    subjects: ["kopru.v1.notice.>"],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: DUPLICATE_WINDOW,
  },
  // Dead letters copy referral and consent messages (personal data): kept no longer than those
  // streams, so a retention period that the referral and consent streams respect holds here too
  // (ADR 0026). Thirty days is ample to look at a dead letter and replay it.
  deadLetter: {
    name: "KOPRU_DLQ",
    subjects: ["kopru.dlq.>"],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: DUPLICATE_WINDOW,
  },
} as const satisfies Record<string, StreamDefinition>;

/** An event whose subject ends with the organisation(s) it is addressed to. */
function addressed<T>(
  type: string,
  codec: Codec<T>,
  stream: StreamDefinition,
  prefix: string,
  addressees: (payload: T) => readonly string[],
  personalData: boolean,
  count = 1,
): EventDefinition<T> {
  return defineEvent<T>({
    type,
    codec,
    schemaVersion: 1,
    stream: stream.name,
    subjectPattern: [prefix, ...Array.from({ length: count }, () => "*")].join("."),
    subject: (payload) => {
      const tokens = addressees(payload);
      if (tokens.length !== count)
        throw new Error(`${type} needs ${count} addressee(s), got ${tokens.length}`);
      return [prefix, ...tokens.map((org, i) => subjectToken(org, `addressee ${i + 1} of ${type}`))].join(
        ".",
      );
    },
    personalData,
  });
}

function broadcast<T>(
  type: string,
  codec: Codec<T>,
  stream: StreamDefinition,
  subject: string,
): EventDefinition<T> {
  return defineEvent<T>({
    type,
    codec,
    schemaVersion: 1,
    stream: stream.name,
    subjectPattern: subject,
    subject: () => subject,
    personalData: false,
  });
}

export const EVENTS = {
  // Referral lifecycle (libs/referral publishes these for every service).
  referralRequested: addressed(
    "kopru.referral.v1.ReferralRequested",
    ReferralRequested,
    STREAMS.referral,
    "kopru.v1.referral.requested",
    (e) => [e.referralPackage?.target?.organisationId ?? ""],
    true,
  ),
  referralStatusChanged: addressed(
    "kopru.referral.v1.ReferralStatusChanged",
    ReferralStatusChanged,
    STREAMS.referral,
    "kopru.v1.referral.status",
    (e) => [e.referrerOrganisationId, e.targetOrganisationId],
    false,
    2,
  ),
  referralCancelled: addressed(
    "kopru.referral.v1.ReferralCancelled",
    ReferralCancelled,
    STREAMS.referral,
    "kopru.v1.referral.cancelled",
    (e) => [e.targetOrganisationId],
    false,
  ),
  referralOutcomeReported: addressed(
    "kopru.referral.v1.ReferralOutcomeReported",
    ReferralOutcomeReported,
    STREAMS.referral,
    "kopru.v1.referral.outcome",
    (e) => [e.referrerOrganisationId, e.targetOrganisationId],
    false,
    2,
  ),
  consentWithdrawn: addressed(
    "kopru.referral.v1.ConsentWithdrawn",
    ConsentWithdrawn,
    STREAMS.consent,
    "kopru.v1.consent.withdrawn",
    (e) => [singleAddressee(e.organisationIds, "ConsentWithdrawn.organisation_ids")],
    true,
  ),
  // A holder's acknowledgement that it recorded a withdrawal (`recorded.<referrer>.<holder>`).
  consentWithdrawalRecorded: addressed(
    "kopru.referral.v1.ConsentWithdrawalRecorded",
    ConsentWithdrawalRecorded,
    STREAMS.consent,
    "kopru.v1.consent.recorded",
    (e) => [e.referrerOrganisationId, e.organisationId],
    false,
    2,
  ),
  // A holder's onward disclosure, for the root referrer's ledger (`disclosure.<root>.<sender>`).
  disclosureRecorded: addressed(
    "kopru.referral.v1.DisclosureRecorded",
    DisclosureRecorded,
    STREAMS.consent,
    "kopru.v1.consent.disclosure",
    (e) => [e.rootReferrerOrganisationId, e.senderOrganisationId],
    false,
    2,
  ),

  // Service directory (coordination owns it; every service replicates it).
  organisationUpserted: broadcast(
    "kopru.coordination.v1.OrganisationUpserted",
    OrganisationUpserted,
    STREAMS.directory,
    "kopru.v1.directory.organisation.upserted",
  ),
  serviceOfferingUpserted: broadcast(
    "kopru.coordination.v1.ServiceOfferingUpserted",
    ServiceOfferingUpserted,
    STREAMS.directory,
    "kopru.v1.directory.offering.upserted",
  ),
  serviceOfferingCapacityChanged: broadcast(
    "kopru.coordination.v1.ServiceOfferingCapacityChanged",
    ServiceOfferingCapacityChanged,
    STREAMS.directory,
    "kopru.v1.directory.offering.capacity",
  ),
  serviceOfferingRemoved: broadcast(
    "kopru.coordination.v1.ServiceOfferingRemoved",
    ServiceOfferingRemoved,
    STREAMS.directory,
    "kopru.v1.directory.offering.removed",
  ),
  // An organisation's public key for sealed events (ADR 0022), published by the service hosting
  // it and replicated by every service that seals; PII-free, kept forever with the directory.
  sealingKeyPublished: addressed(
    "kopru.common.v1.SealingKeyPublished",
    SealingKeyPublished,
    STREAMS.directory,
    "kopru.v1.directory.sealing-key",
    (e) => [e.organisationId],
    false,
  ),
  referralReRouteRequested: addressed(
    "kopru.coordination.v1.ReferralReRouteRequested",
    ReferralReRouteRequested,
    STREAMS.coordination,
    "kopru.v1.coordination.reroute",
    (e) => [e.referrerOrganisationId],
    false,
  ),

  // Case facts of each service (PII-free; addressed to the organisation that owns the case).
  beneficiaryRegistered: caseFact(
    "kopru.intake.v1.BeneficiaryRegistered",
    BeneficiaryRegistered,
    "intake.beneficiary-registered",
  ),
  consentRecorded: caseFact("kopru.intake.v1.ConsentRecorded", ConsentRecorded, "intake.consent-recorded"),
  protectionCaseOpened: caseFact(
    "kopru.protection.v1.ProtectionCaseOpened",
    ProtectionCaseOpened,
    "protection.case-opened",
  ),
  protectionCaseClosed: caseFact(
    "kopru.protection.v1.ProtectionCaseClosed",
    ProtectionCaseClosed,
    "protection.case-closed",
  ),
  ecmCaseOpened: caseFact("kopru.ecm.v1.EcmCaseOpened", EcmCaseOpened, "ecm.case-opened"),
  ecmCaseClosed: caseFact("kopru.ecm.v1.EcmCaseClosed", EcmCaseClosed, "ecm.case-closed"),
  assistanceDelivered: caseFact(
    "kopru.ecm.v1.AssistanceDelivered",
    AssistanceDelivered,
    "ecm.assistance-delivered",
  ),
  enrolmentCreated: caseFact(
    "kopru.communitycentre.v1.EnrolmentCreated",
    EnrolmentCreated,
    "communitycentre.enrolment-created",
  ),
  activityCapacityChanged: caseFact(
    "kopru.communitycentre.v1.ActivityCapacityChanged",
    ActivityCapacityChanged,
    "communitycentre.activity-capacity",
  ),
  municipalityCaseOpened: caseFact(
    "kopru.municipality.v1.MunicipalityCaseOpened",
    MunicipalityCaseOpened,
    "municipality.case-opened",
  ),
  municipalityCaseClosed: caseFact(
    "kopru.municipality.v1.MunicipalityCaseClosed",
    MunicipalityCaseClosed,
    "municipality.case-closed",
  ),
  counsellingSessionRecorded: caseFact(
    "kopru.municipality.v1.CounsellingSessionRecorded",
    CounsellingSessionRecorded,
    "municipality.counselling-recorded",
  ),
  directAssistanceProvided: caseFact(
    "kopru.municipality.v1.DirectAssistanceProvided",
    DirectAssistanceProvided,
    "municipality.assistance-provided",
  ),

  // Work on a received referral (assigned or not, follow-up stage), from the target to coordination.
  referralFollowUpChanged: addressed(
    "kopru.referral.v1.ReferralFollowUpChanged",
    ReferralFollowUpChanged,
    STREAMS.referral,
    "kopru.v1.referral.followup",
    (e) => [e.targetOrganisationId],
    false,
  ),

  // Notices for staff of one organisation (any service publishes them; see notification/v1).
  staffNotice: addressed(
    "kopru.notification.v1.StaffNotice",
    StaffNotice,
    STREAMS.notice,
    "kopru.v1.notice",
    (e) => [e.organisationId],
    false,
  ),

  // A person's new contact section, one copy per holder of their packages (intake publishes it).
  contactDetailsUpdated: addressed(
    "kopru.referral.v1.ContactDetailsUpdated",
    ContactDetailsUpdated,
    STREAMS.referral,
    "kopru.v1.referral.contact",
    (e) => [e.organisationId],
    true,
  ),

  // Network-wide erasure (ADR 0023): intake asks each holder (addressed, the person's ref), each
  // holder answers intake (PII-free), intake tells coordination how far the request went (PII-free).
  beneficiaryErasureRequested: addressed(
    "kopru.referral.v1.BeneficiaryErasureRequested",
    BeneficiaryErasureRequested,
    STREAMS.consent,
    "kopru.v1.consent.erasure",
    (e) => [e.holderOrganisationId],
    true,
  ),
  beneficiaryErasureConfirmed: addressed(
    "kopru.referral.v1.BeneficiaryErasureConfirmed",
    BeneficiaryErasureConfirmed,
    STREAMS.consent,
    "kopru.v1.consent.erased",
    (e) => [e.requesterOrganisationId],
    false,
  ),
  erasureRequestTracked: addressed(
    "kopru.referral.v1.ErasureRequestTracked",
    ErasureRequestTracked,
    STREAMS.coordination,
    "kopru.v1.coordination.erasure",
    (e) => [e.requesterOrganisationId],
    false,
  ),
} as const;

function caseFact<T extends { organisationId: string }>(
  type: string,
  codec: Codec<T>,
  fact: string,
): EventDefinition<T> {
  return addressed(type, codec, STREAMS.case, `kopru.v1.case.${fact}`, (e) => [e.organisationId], false);
}

function singleAddressee(ids: readonly string[], field: string): string {
  if (ids.length !== 1)
    throw new Error(`${field} must name exactly one holder per published copy, got ${ids.length}`);
  return ids[0] as string;
}

/** The whole network's layout; every service provisions it at start (idempotently). */
export const NETWORK_LAYOUT: BusLayout = {
  streams: [
    STREAMS.referral,
    STREAMS.consent,
    STREAMS.directory,
    STREAMS.coordination,
    STREAMS.case,
    STREAMS.notice,
  ],
  events: Object.values(EVENTS) as EventDefinition[],
  deadLetterStream: STREAMS.deadLetter,
};

/** Subject filters for durable consumers. */
export const SUBJECTS = {
  requestedFor: (organisationId: string) =>
    `kopru.v1.referral.requested.${subjectToken(organisationId, "organisation id")}`,
  cancelledFor: (organisationId: string) =>
    `kopru.v1.referral.cancelled.${subjectToken(organisationId, "organisation id")}`,
  consentWithdrawnFor: (organisationId: string) =>
    `kopru.v1.consent.withdrawn.${subjectToken(organisationId, "organisation id")}`,
  /** Holders' acknowledgements of the withdrawals an organisation made (`recorded.<referrer>.*`). */
  withdrawalRecordedFor: (referrerOrganisationId: string) =>
    `kopru.v1.consent.recorded.${subjectToken(referrerOrganisationId, "organisation id")}.*`,
  /** Onward disclosures down the chains an organisation started (`disclosure.<root referrer>.*`). */
  disclosuresFor: (rootReferrerOrganisationId: string) =>
    `kopru.v1.consent.disclosure.${subjectToken(rootReferrerOrganisationId, "organisation id")}.*`,
  reRouteFor: (organisationId: string) =>
    `kopru.v1.coordination.reroute.${subjectToken(organisationId, "organisation id")}`,
  /** Outcome reports of the referrals an organisation made (`outcome.<referrer>.<target>`). */
  outcomeFor: (referrerOrganisationId: string) =>
    `kopru.v1.referral.outcome.${subjectToken(referrerOrganisationId, "organisation id")}.*`,
  noticeFor: (organisationId: string) => `kopru.v1.notice.${subjectToken(organisationId, "organisation id")}`,
  allNotices: "kopru.v1.notice.>",
  /** New contact sections of people whose packages the organisation holds (ContactDetailsUpdated). */
  contactUpdatedFor: (organisationId: string) =>
    `kopru.v1.referral.contact.${subjectToken(organisationId, "organisation id")}`,
  /** Erasure requests addressed to a holder organisation (BeneficiaryErasureRequested). */
  erasureRequestedFor: (organisationId: string) =>
    `kopru.v1.consent.erasure.${subjectToken(organisationId, "organisation id")}`,
  /** Holders' answers to the erasure requests an organisation made (BeneficiaryErasureConfirmed). */
  erasureConfirmedFor: (organisationId: string) =>
    `kopru.v1.consent.erased.${subjectToken(organisationId, "organisation id")}`,
  /** PII-free progress of every erasure request (ErasureRequestTracked), for coordination. */
  allErasureTracking: "kopru.v1.coordination.erasure.>",
  allStatus: "kopru.v1.referral.status.>",
  allOutcome: "kopru.v1.referral.outcome.>",
  /** Follow-up and assignment tracking of every received referral (PII-free; `followup.<target>`). */
  allFollowUp: "kopru.v1.referral.followup.>",
  followUpOf: (targetOrganisationId: string) =>
    `kopru.v1.referral.followup.${subjectToken(targetOrganisationId, "organisation id")}`,
  directory: "kopru.v1.directory.>",
  /** Public sealing keys an organisation's host publishes (SealingKeyPublished). */
  sealingKeyOf: (organisationId: string) =>
    `kopru.v1.directory.sealing-key.${subjectToken(organisationId, "organisation id")}`,
} as const;
