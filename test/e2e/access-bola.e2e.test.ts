import { randomUUID } from "node:crypto";
import type { DescMethod, JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { ClientCaller } from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AU,
  C,
  CC,
  canary,
  codeName,
  consentFor,
  coordinator,
  E,
  hoursFromNow,
  I,
  keyedHashesOf,
  location,
  M,
  MA,
  N,
  offering,
  offeringId,
  organisationEntry,
  P,
  partnerSystem,
  R,
  RawApi,
  registration,
  seedDirectory,
  sendReferral,
  staff,
  waitForInbox,
} from "../support/access.js";
import { hostedBy, type Organisations, type ServiceName, TestNetwork } from "../support/network.js";
import { ALL_SERVICES, type Answer, dig, HOSTS, services } from "../support/rpc.js";

// Broken object-level authorisation, for every RPC of every service (read from the contracts'
// descriptor set, so a new RPC fails here until it has a request below). For each service one
// organisation holds objects (the victim): its request for each RPC is sent by attackers — staff
// with every casework role and a partner system of the organisation co-hosted on the same process,
// and staff of an organisation of another service — and then by the victim itself, which shows the
// request is valid (it succeeds, or meets a domain refusal such as a transition not allowed from the
// referral's state). The attackers go first so each meets the object in the state the victim's call
// then acts on; then they replay the request (same idempotency key) with metadata naming the victim.
// Nothing an attacker gets back may hold a victim object id or a canary seeded into the victim's
// names and free text; the victim's own reads are the same before and after the attackers; an
// attacker's write is refused with NOT_FOUND or PERMISSION_DENIED. Directory data (coordination's
// organisations and offerings, the centres and activities catalogues) is public to the network by
// design, so reading it is no leak; writing another organisation's entries is. Where the victim's
// data shows as more than ids (an audit row naming its organisation, a possible match of its person
// at the matching service), the RPC's builder says what in an attacker's answer would be the
// victim's, and finding it is a finding too.

const READ = /^(Get|List|Search|Suggest|Export|Check)/;
/** Reads of what the network publishes by design: their ids are public, never the victim's secrets. */
const PUBLIC_READS = new Set([
  "kopru.coordination.v1.CoordinationService/ListOrganisations",
  "kopru.coordination.v1.CoordinationService/ListServiceOfferings",
  "kopru.coordination.v1.CoordinationService/SearchServices",
  "kopru.communitycentre.v1.CommunityCentreService/ListCentres",
  "kopru.communitycentre.v1.CommunityCentreService/ListActivities",
  "kopru.municipality.v1.MunicipalityService/ListCentres",
  "kopru.intake.v1.IntakeService/SuggestTargets",
]);
/**
 * Writes that change only the caller's own record (their notification preferences): accepted for an
 * attacker as for anyone, and never the victim's (the snapshot shows the victim's is unchanged).
 */
const OWN_WRITES = new Set(["kopru.notification.v1.NotificationService/UpdateNotificationPreferences"]);
/** The victim's staff: every role that opens casework (never coordinator or network-admin). */
const CASEWORK_ROLES = ["supervisor", "caseworker", "protection-restricted", "ecm-approver"];

let network: TestNetwork;
let api: RawApi;
let o: Organisations;

/** Who holds the objects on each process, who shares the process, and who sits elsewhere. */
interface Sides {
  owner: ClientCaller;
  victim: string;
  attackers: { label: string; caller: ClientCaller }[];
}
const sides = new Map<ServiceName, Sides>();

/** Object ids and canaries of the victims: none may reach an attacker. */
const secrets = new Set<string>();
/** Ids of the public catalogues (centres, activities): readable by anyone, never counted as leaks. */
const publicIds = new Set<string>();
/** The ids seeded on each process, which its snapshot lists are cut down to. */
const seededOn = new Map<ServiceName, Set<string>>();

function seeded(host: ServiceName, ...ids: string[]): void {
  const set = seededOn.get(host) ?? new Set<string>();
  for (const id of ids) {
    set.add(id);
    secrets.add(id);
  }
  seededOn.set(host, set);
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Every object id in a victim's response, but not the child a redirect hands to another partner. */
function harvest(value: JsonValue | undefined): void {
  if (typeof value === "string") {
    for (const id of value.match(UUID) ?? []) if (!publicIds.has(id)) secrets.add(id);
  } else if (Array.isArray(value)) {
    for (const item of value) harvest(item);
  } else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) if (key !== "childReferral") harvest(inner);
  }
}

function leaked(answer: Answer): string[] {
  if (!answer.ok) return [];
  const text = JSON.stringify(answer.response);
  return [...secrets].filter((s) => text.includes(s));
}

/** One builder per RPC (and process): the victim's request, and who plays the victim for it. */
type Builder = (host: ServiceName) => {
  request: JsonObject;
  owner?: ClientCaller;
  /** A refusal the victim's own call meets by design (besides FAILED_PRECONDITION from an object's state). */
  ownerMeets?: string;
  /** What in an attacker's answer, besides the victim's ids and canaries, would be the victim's. */
  foreign?: (response: JsonObject) => string[];
};
const builders = new Map<string, Builder>();
function build(service: string, method: string, builder: Builder): void {
  builders.set(`${service}/${method}`, builder);
}

// --- the victims' objects -----------------------------------------------------------------------

const INBOX_HOSTS: ServiceName[] = ["ecm", "protection", "municipality", "community-centre"];
const INBOX_STEPS = {
  GetReferral: [],
  AcknowledgeReferral: [],
  AcceptReferral: [],
  DeclineReferral: [],
  PutReferralOnHold: [],
  RedirectReferral: [],
  StartReferral: ["AcceptReferral"],
  CompleteReferral: ["AcceptReferral", "StartReferral"],
  ReportNotCompleted: ["AcceptReferral", "StartReferral"],
  MakeOnwardReferral: ["AcceptReferral", "StartReferral"],
  ReportOutcome: ["AcceptReferral", "StartReferral", "CompleteReferral"],
  // A supervisor hands an accepted referral to a colleague; the history lists the one seeded below.
  AssignReferral: ["AcceptReferral"],
  ListReferralAssignments: ["AcceptReferral"],
  // The person registered safe to contact, with no windows: an attempt is allowed at any time.
  RecordContactAttempt: ["AcceptReferral"],
  ListContactAttempts: ["AcceptReferral"],
} as const satisfies Record<string, readonly string[]>;
type InboxStep = keyof typeof INBOX_STEPS;
const INTAKE_STATUS: Record<number, string> = {
  0: "REFERRAL_STATUS_RECEIVED",
  1: "REFERRAL_STATUS_ACCEPTED",
  2: "REFERRAL_STATUS_IN_PROGRESS",
  3: "REFERRAL_STATUS_COMPLETED",
};

const SERVICE_TYPE: Record<string, string> = {
  ecm: "SERVICE_TYPE_ECM_CASH",
  protection: "SERVICE_TYPE_LEGAL_COUNSELLING",
  municipality: "SERVICE_TYPE_MMCC_COUNSELLING",
  "community-centre": "SERVICE_TYPE_LANGUAGE_COURSE_TURKISH",
};

/** Which victim organisation each receiving process hosts, and its co-hosted neighbour. */
function receiving(host: ServiceName): { victim: string; neighbour: string } {
  const [victim, neighbour] = hostedBy(o)[host];
  if (!victim || !neighbour) throw new Error(`${host} hosts fewer than two organisations`);
  return { victim, neighbour };
}

beforeAll(async () => {
  // Eight processes start at once, each compiling its sources: on a loaded machine that takes minutes.
  network = await TestNetwork.create(undefined, {}, { startTimeoutMs: 300_000 });
  o = network.orgs;
  // Every process, the matching service first (intake registers its people there, ADR 0027).
  await network.start(...ALL_SERVICES);
  api = new RawApi(network);

  const victimStaff = (org: string, name: string) => staff(org, `${name}-staff`, ...CASEWORK_ROLES);
  const plan: [ServiceName, string, string, string][] = [
    ["intake", o.ngo, o.ngoOther, o.ecm],
    ["ecm", o.ecm, o.ecmOther, o.ngo],
    ["protection", o.protection, o.protectionOther, o.ngo],
    ["municipality", o.mmccGaziantep, o.mmccKilis, o.ecm],
    ["community-centre", o.centre, o.centreOther, o.mmccGaziantep],
    // Coordination hosts no organisation: the ECM unit's directory entries and the NGO's referral
    // are the victims', another ECM unit and another NGO attack, the coordinator plays the owner.
    ["coordination", o.ecm, o.ecmOther, o.ngoOther],
    // Notifications: the Gaziantep MMCC's staff feed (a notice per referral it received) is the
    // victim's; staff and the system of an NGO that receives nothing, and staff of the referring
    // NGO, attack (their own feeds hold nothing of the victim's).
    ["notifications", o.mmccGaziantep, o.ngoOther, o.ngo],
    // Matching hosts no organisation (any may register its records): the protection partner's
    // record and the possible matches it was told are the victim's; the other protection partner,
    // which holds a record of the same person (the other side of one of the victim's matches), and
    // the NGO, whose people intake registers there, attack.
    ["matching", o.protection, o.protectionOther, o.ngo],
  ];
  for (const [host, victim, neighbour, other] of plan) {
    sides.set(host, {
      victim,
      owner: host === "coordination" ? coordinator : victimStaff(victim, host),
      attackers: [
        { label: `staff of ${neighbour}`, caller: staff(neighbour, `${host}-intruder`, ...CASEWORK_ROLES) },
        { label: `partner system of ${neighbour}`, caller: partnerSystem(neighbour) },
        { label: `staff of ${other}`, caller: staff(other, `${host}-outsider`, ...CASEWORK_ROLES) },
      ],
    });
  }
  const owner = (host: ServiceName) => sides.get(host)?.owner as ClientCaller;

  await seedDirectory(api, o);
  const removable = offering(o.ecm, "SERVICE_TYPE_ECM_FOOD");
  await api.must("coordination", C, "UpsertServiceOffering", { serviceOffering: removable }, coordinator);

  // Intake: the NGO's people, consents, screening, erasure and referrals, with canaries in the text.
  const ngo = owner("intake");
  const personCanaries = [canary(), canary()];
  for (const c of personCanaries) secrets.add(c);
  const register = async (given: string, family: string) => {
    const registered = await api.must(
      "intake",
      I,
      "RegisterBeneficiary",
      registration(o.ngo, given, family),
      ngo,
    );
    return dig(registered, "beneficiary", "beneficiaryId");
  };
  const beneficiaryId = await register(`Zeynep ${personCanaries[0]}`, `Kaya ${personCanaries[1]}`);
  const consent = async (id: string) =>
    dig(await api.must("intake", I, "RecordConsent", consentFor(id), ngo), "consent", "consentId");
  const consentId = await consent(beneficiaryId);
  const withdrawable = await consent(beneficiaryId);
  const needs = canary();
  secrets.add(needs);
  const screening = {
    requestId: randomUUID(),
    beneficiaryId,
    servicesNeeded: ["SERVICE_TYPE_ECM_CASH"],
    needsSummary: `Rent arrears ${needs}`,
    household: { size: 3, childrenCount: 1 },
  };
  await api.must("intake", I, "ScreenNeeds", screening, ngo);
  const erasable = await register("Amal", `Haddad ${canary()}`);
  // An erasure request id nobody made: the victim's own GetErasureRequest of it meets NOT_FOUND,
  // still not a reason to skip the attackers (ADR 0023: a request is its organisation's only).
  const erasureRequestId = randomUUID();
  // Whose safe-contact details the victim updates: a person of its own with no referral, so the
  // update reaches no holder while the matrix runs (a holder's package changing under another
  // process's snapshot would look like an attacker's doing).
  const contactable = await register("Hana", `Demir ${canary()}`);
  seeded("intake", beneficiaryId, consentId, withdrawable, erasable, contactable);
  // A community centre's system registered the same person at the matching service (ADR 0027): the
  // victim's duplicate check tells a possible match there, which the victim may link.
  await api.must(
    "matching",
    MA,
    "RegisterRecord",
    {
      recordRef: "centre-learner-1",
      hashes: keyedHashesOf(network.matchingSecret, {
        givenName: `Zeynep ${personCanaries[0]}`,
        familyName: `Kaya ${personCanaries[1]}`,
        birthYear: 1991,
        phoneNumber: "+905550001234",
      }),
    },
    partnerSystem(o.centreOther),
  );
  const elsewhere = await waitFor(
    async () => {
      const checked = await api.must("intake", I, "CheckPossibleDuplicates", { beneficiaryId }, ngo);
      const told = (checked.possibleMatchesElsewhere ?? []) as JsonObject[];
      return told.find((m) => m.organisationId === o.centreOther)?.matchId as string | undefined;
    },
    { timeoutMs: 30_000, message: "intake to be told the possible match at the community centre" },
  );
  seeded("intake", elsewhere);

  const reason = canary();
  secrets.add(reason);
  const refer = (target: string, serviceType: string) =>
    sendReferral(api, ngo, { beneficiaryId, consentId, target, serviceType, reason: `Needs help ${reason}` });

  const contactAttempt = (referralId: string): JsonObject => ({
    requestId: randomUUID(),
    referralId,
    method: "CONTACT_ATTEMPT_METHOD_CALL",
    result: "CONTACT_ATTEMPT_RESULT_REACHED",
    internalNote: "Agreed a first appointment.",
  });

  // Each inbox RPC acts on its own referral, brought to the state the RPC acts from.
  const inbox = new Map<ServiceName, Map<InboxStep, string>>();
  const expectedAtIntake = new Map<string, string>();
  const colleagues = new Map<ServiceName, string>();
  await Promise.all(
    INBOX_HOSTS.map(async (host) => {
      const { victim } = receiving(host);
      const serviceType = SERVICE_TYPE[host] as string;
      // An active colleague of the victim in identity's staff directory, whom its supervisor
      // assigns referrals to: their id is the victim's, never an attacker's to see.
      const colleague = await network.identity.staffMember({
        organisationId: victim,
        actorId: `${host}-colleague`,
        roles: ["caseworker"],
      });
      colleagues.set(host, colleague);
      secrets.add(colleague);
      const byStep = new Map<InboxStep, string>();
      for (const step of Object.keys(INBOX_STEPS) as InboxStep[]) {
        const referralId = await refer(victim, serviceType);
        byStep.set(step, referralId);
        seeded(host, referralId);
      }
      inbox.set(host, byStep);
      for (const [step, referralId] of byStep) {
        await waitForInbox(api, host, referralId, owner(host));
        const path = INBOX_STEPS[step];
        for (const transition of path) {
          const request: JsonObject = { referralId };
          if (transition === "CompleteReferral") {
            request.outcomeCodes = ["OUTCOME_CODE_SERVICE_PROVIDED_FULL"];
            request.completedAt = new Date().toISOString();
          }
          harvest(await api.must(host, R, transition, request, owner(host)));
        }
        if (step === "ListReferralAssignments") {
          const assignment = { referralId, assigneeActorId: colleague };
          harvest(await api.must(host, R, "AssignReferral", assignment, owner(host)));
        }
        if (step === "ListContactAttempts") {
          harvest(await api.must(host, R, "RecordContactAttempt", contactAttempt(referralId), owner(host)));
        }
        expectedAtIntake.set(referralId, INTAKE_STATUS[path.length] as string);
      }
    }),
  );
  // Intake's snapshot follows only referrals no other process acts on while the matrix runs (the
  // others change status at intake whenever their targets act, which is not an attacker's doing).
  const readReferral = inbox.get("ecm")?.get("GetReferral") as string;
  seeded("intake", readReferral);
  const cancellable = await refer(o.mmccKilis, "SERVICE_TYPE_MMCC_COUNSELLING");
  const routable = await refer(o.mmccKilis, "SERVICE_TYPE_MMCC_COUNSELLING");
  const reroutable = await refer(o.mmccKilis, "SERVICE_TYPE_MMCC_COUNSELLING");
  // The cancelled referral settles at intake after the target confirms: kept out of the snapshot,
  // where that later step of the victim's own call would look like an attacker's change.
  seeded("intake", routable, reroutable);
  secrets.add(cancellable);

  // ECM: a case with an assessment and assistance planned by one member of staff.
  const ecmOwner = owner("ecm");
  const planner = staff(o.ecm, "ecm-planner", ...CASEWORK_ROLES);
  const refText = canary();
  const summaryText = canary();
  secrets.add(refText);
  secrets.add(summaryText);
  const openEcm = { requestId: randomUUID(), organisationId: o.ecm, beneficiaryRef: refText };
  const ecmCase = dig(await api.must("ecm", E, "OpenCase", openEcm, ecmOwner), "ecmCase", "caseId");
  const closableEcm = dig(
    await api.must(
      "ecm",
      E,
      "OpenCase",
      { ...openEcm, requestId: randomUUID(), beneficiaryRef: `closable-${randomUUID()}` },
      ecmOwner,
    ),
    "ecmCase",
    "caseId",
  );
  const assessment = {
    requestId: randomUUID(),
    caseId: ecmCase,
    needsIdentified: ["ASSISTANCE_KIND_CASH"],
    severity: "NEED_SEVERITY_SEVERE",
    summary: `Rent arrears ${summaryText}`,
  };
  harvest(await api.must("ecm", E, "RecordAssessment", assessment, ecmOwner));
  const assistance = (description: string) => ({
    requestId: randomUUID(),
    caseId: ecmCase,
    kind: "ASSISTANCE_KIND_CASH",
    amount: { amountMinor: "150000", currency: "TRY" },
    description,
    paymentChannel: "PAYMENT_CHANNEL_BANK_ACCOUNT",
  });
  const item = async (description: string) =>
    dig(
      await api.must("ecm", E, "AddAssistanceItem", assistance(description), planner),
      "assistanceItem",
      "assistanceItemId",
    );
  const itemText = canary();
  secrets.add(itemText);
  const approvable = await item(`Rent ${itemText}`);
  const cancellableItem = await item(`Rent ${itemText}`);
  const deliverable = await item(`Rent ${itemText}`);
  await api.must("ecm", E, "ApproveAssistanceItem", { assistanceItemId: deliverable }, ecmOwner);
  seeded("ecm", ecmCase, closableEcm, approvable, cancellableItem, deliverable);

  // Protection: a case with a risk assessment and a safety plan.
  const protectionOwner = owner("protection");
  const protectionRef = canary();
  const riskText = canary();
  const planText = canary();
  for (const c of [protectionRef, riskText, planText]) secrets.add(c);
  const openProtection = {
    requestId: randomUUID(),
    organisationId: o.protection,
    beneficiaryRef: protectionRef,
    caseType: "PROTECTION_CASE_TYPE_GENERAL",
    assignedCaseworkerId: protectionOwner.actorId ?? "",
  };
  const protectionCase = dig(
    await api.must("protection", P, "OpenCase", openProtection, protectionOwner),
    "protectionCase",
    "caseId",
  );
  const closableProtection = dig(
    await api.must(
      "protection",
      P,
      "OpenCase",
      { ...openProtection, requestId: randomUUID(), beneficiaryRef: `closable-${randomUUID()}` },
      protectionOwner,
    ),
    "protectionCase",
    "caseId",
  );
  const risk = {
    requestId: randomUUID(),
    caseId: protectionCase,
    riskLevel: "RISK_LEVEL_MEDIUM",
    summary: `Follow up ${riskText}`,
    nextReviewAt: hoursFromNow(7 * 24),
  };
  harvest(await api.must("protection", P, "RecordRiskAssessment", risk, protectionOwner));
  const safety = {
    requestId: randomUUID(),
    caseId: protectionCase,
    actions: [{ description: "Call the hotline.", responsible: "SAFETY_PLAN_RESPONSIBLE_BENEFICIARY" }],
    notes: `Agreed signals ${planText}`,
    reviewAt: hoursFromNow(7 * 24),
  };
  harvest(await api.must("protection", P, "AddSafetyPlan", safety, protectionOwner));
  seeded("protection", protectionCase, closableProtection);

  // Municipality: a case with a counselling session and direct assistance.
  const mmccOwner = owner("municipality");
  const mmccRef = canary();
  const notes = canary();
  const given = canary();
  for (const c of [mmccRef, notes, given]) secrets.add(c);
  const openMunicipal = { requestId: randomUUID(), organisationId: o.mmccGaziantep, beneficiaryRef: mmccRef };
  const mmccCase = dig(
    await api.must("municipality", M, "OpenCase", openMunicipal, mmccOwner),
    "municipalityCase",
    "caseId",
  );
  const closableMmcc = dig(
    await api.must(
      "municipality",
      M,
      "OpenCase",
      { ...openMunicipal, requestId: randomUUID(), beneficiaryRef: `closable-${randomUUID()}` },
      mmccOwner,
    ),
    "municipalityCase",
    "caseId",
  );
  const session = {
    requestId: randomUUID(),
    caseId: mmccCase,
    sessionType: "COUNSELLING_SESSION_TYPE_INDIVIDUAL",
    topics: ["COUNSELLING_TOPIC_LEGAL_STATUS_DOCUMENTATION"],
    modality: "SESSION_MODALITY_IN_PERSON",
    durationMinutes: 45,
    heldAt: hoursFromNow(-1),
    notes: `First session ${notes}`,
  };
  harvest(await api.must("municipality", M, "RecordCounsellingSession", session, mmccOwner));
  const direct = {
    requestId: randomUUID(),
    caseId: mmccCase,
    kind: "ASSISTANCE_KIND_NFI",
    description: `Hygiene kit ${given}`,
    providedAt: hoursFromNow(-1),
  };
  harvest(await api.must("municipality", M, "RecordDirectAssistance", direct, mmccOwner));
  seeded("municipality", mmccCase, closableMmcc);

  // Community centre: the centre's own activity, and people of accepted referrals enrolled in it.
  const ccOwner = owner("community-centre");
  const centres = await api.must(
    "community-centre",
    CC,
    "ListCentres",
    { organisationIds: [o.centre] },
    ccOwner,
  );
  const centreId = dig(centres, "centres", 0, "centreId");
  publicIds.add(centreId);
  const activity = {
    centreId,
    title: "Turkish A2",
    kind: "ACTIVITY_KIND_LANGUAGE_COURSE",
    serviceType: "SERVICE_TYPE_LANGUAGE_COURSE_TURKISH",
    language: "tr",
    level: "A2",
    capacity: 20,
    schedule: {
      firstSessionAt: hoursFromNow(7 * 24),
      days: ["WEEKDAY_TUESDAY"],
      startTime: "18:00",
      sessionMinutes: 90,
      timeZone: "Europe/Istanbul",
      totalSessions: 12,
    },
  };
  const created = await api.must(
    "community-centre",
    CC,
    "CreateActivity",
    { requestId: randomUUID(), activity },
    ccOwner,
  );
  const activityId = dig(created, "activity", "activityId");
  publicIds.add(activityId);
  seededOn.get("community-centre")?.add(activityId);
  const enrolments: string[] = [];
  const enrolable: string[] = [];
  for (let i = 0; i < 3; i++) {
    // One seat per person: each enrolment is of another person.
    const learner = await register("Nour", `Learner ${canary()}`);
    const learnerConsent = await consent(learner);
    seeded("intake", learner, learnerConsent);
    const referralId = await sendReferral(api, ngo, {
      beneficiaryId: learner,
      consentId: learnerConsent,
      target: o.centre,
      serviceType: "SERVICE_TYPE_LANGUAGE_COURSE_TURKISH",
      reason: `Wants to learn Turkish ${reason}`,
    });
    await waitForInbox(api, "community-centre", referralId, ccOwner);
    await api.must("community-centre", R, "AcceptReferral", { referralId }, ccOwner);
    seeded("community-centre", referralId);
    if (i === 2) {
      enrolable.push(referralId);
      expectedAtIntake.set(referralId, "REFERRAL_STATUS_ACCEPTED");
      continue;
    }
    const enrolled = await api.must(
      "community-centre",
      CC,
      "EnrolParticipant",
      { requestId: randomUUID(), activityId, referralId },
      ccOwner,
    );
    enrolments.push(dig(enrolled, "enrolment", "enrolmentId"));
    expectedAtIntake.set(referralId, "REFERRAL_STATUS_IN_PROGRESS");
  }
  seeded("community-centre", ...enrolments);
  for (const id of [...secrets]) if (publicIds.has(id)) secrets.delete(id);

  // The replicas settle before anything is snapshotted: intake has heard every transition above,
  // coordination has tracked the referral it shows.
  await waitFor(
    async () => {
      for (const [referralId, expected] of expectedAtIntake) {
        const got = await api.call("intake", I, "GetReferral", { referralId }, ngo);
        if (!got.ok || JSON.stringify(got.response).indexOf(`"${expected}"`) < 0) return false;
      }
      return true;
    },
    { timeoutMs: 60_000, message: "intake to hear every inbox transition" },
  );
  await waitFor(
    async () => {
      const got = await api.call(
        "coordination",
        C,
        "GetReferralTimeline",
        { referralId: readReferral },
        coordinator,
      );
      return got.ok && JSON.stringify(got.response).includes("REFERRAL_STATUS_RECEIVED");
    },
    { timeoutMs: 30_000, message: "coordination to track the referral" },
  );

  // --- the victims' requests, one per RPC ---------------------------------------------------------
  build(I, "RegisterBeneficiary", () => ({ request: registration(o.ngo, "Leyla", "Synthetic-Aydin") }));
  build(I, "GetBeneficiary", () => ({ request: { beneficiaryId } }));
  build(I, "RecordConsent", () => ({ request: consentFor(beneficiaryId) }));
  build(I, "WithdrawConsent", () => ({
    request: {
      consentId: withdrawable,
      reason: "CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST",
      withdrawnAt: new Date().toISOString(),
      cancelOpenReferrals: false,
    },
  }));
  build(I, "ScreenNeeds", () => ({
    request: { ...screening, requestId: randomUUID(), needsSummary: "Rent." },
  }));
  build(I, "SuggestTargets", () => ({
    request: {
      beneficiaryId,
      serviceType: "SERVICE_TYPE_ECM_CASH",
      criteria: { location, allowWaitlist: true },
      consentId,
      limit: 3,
    },
  }));
  build(I, "CreateReferral", () => ({
    request: {
      requestId: randomUUID(),
      beneficiaryId,
      serviceType: "SERVICE_TYPE_ECM_CASH",
      priority: "PRIORITY_NORMAL",
      purpose: "PURPOSE_SERVICE_PROVISION",
      reasonForReferral: "Rent arrears.",
      consentId,
      explicitTarget: { organisationId: o.ecm },
    },
  }));
  build(I, "RouteReferral", () => ({
    request: {
      requestId: randomUUID(),
      referralId: routable,
      explicitTarget: { organisationId: o.mmccKilis },
    },
  }));
  build(I, "GetReferral", () => ({ request: { referralId: readReferral } }));
  build(I, "ListReferrals", () => ({ request: { referrerOrganisationId: o.ngo, beneficiaryId } }));
  build(I, "CancelReferral", () => ({
    request: { referralId: cancellable, reason: "CANCEL_REASON_NEED_RESOLVED", internalNote: "Moved away." },
  }));
  build(I, "GetReferralTimeline", () => ({ request: { referralId: readReferral, includeChain: true } }));
  build(I, "RequestErasure", () => ({
    request: {
      requestId: randomUUID(),
      beneficiaryId: erasable,
      reason: "ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST",
    },
  }));
  build(I, "GetErasureRequest", () => ({ request: { erasureRequestId }, ownerMeets: "NOT_FOUND" }));
  // Where the person's data went, and the data-subject access answer (ADR 0024).
  build(I, "ListDisclosures", () => ({ request: { beneficiaryId } }));
  build(I, "ExportSubjectAccess", () => ({ request: { beneficiaryId } }));
  // Possible duplicates (ADR 0027): the match at the community centre, told for the victim's person.
  build(I, "CheckPossibleDuplicates", () => ({ request: { beneficiaryId } }));
  build(I, "LinkPossibleMatch", () => ({ request: { beneficiaryId, matchId: elsewhere, consentId } }));
  build(I, "UpdateContactDetails", () => ({
    request: {
      requestId: randomUUID(),
      beneficiaryId: contactable,
      safeToContact: true,
      safeTimes: "Weekday mornings, ask for Hana.",
      safeContactWindows: [
        { days: ["WEEKDAY_MONDAY", "WEEKDAY_WEDNESDAY"], startMinute: 600, endMinute: 720 },
      ],
      preferredContactMethod: "CONTACT_METHOD_PHONE_CALL",
    },
  }));

  build(C, "UpsertOrganisation", () => ({ request: organisationEntry(o.ecm, "PARTNER_KIND_ECM_UNIT") }));
  build(C, "UpsertServiceOffering", () => ({
    request: { serviceOffering: offering(o.ecm, "SERVICE_TYPE_ECM_CASH") },
  }));
  build(C, "SetCapacityStatus", () => ({
    request: {
      serviceOfferingId: offeringId(o.ecm, "SERVICE_TYPE_ECM_CASH"),
      capacityStatus: "CAPACITY_STATUS_AVAILABLE",
    },
  }));
  build(C, "RemoveServiceOffering", () => ({
    request: { serviceOfferingId: offeringId(o.ecm, "SERVICE_TYPE_ECM_FOOD") },
  }));
  build(C, "ListOrganisations", () => ({ request: { includeInactive: true } }));
  build(C, "ListServiceOfferings", () => ({ request: { organisationIds: [o.ecm], includeInactive: true } }));
  build(C, "SearchServices", () => ({
    request: { serviceType: "SERVICE_TYPE_ECM_CASH", provinceCode: location.provinceCode, limit: 5 },
  }));
  build(C, "GetReferralTimeline", () => ({ request: { referralId: readReferral, includeChain: true } }));
  build(C, "GetReferralFigures", () => ({
    request: { groupBy: ["FIGURE_DIMENSION_TARGET_ORGANISATION", "FIGURE_DIMENSION_REFERRER_ORGANISATION"] },
  }));
  build(C, "ListOverdueReferrals", () => ({ request: { includeExpired: true } }));
  // The victim's erasure request (made above through intake) is listed to it, never to another
  // organisation (ADR 0023).
  build(C, "ListErasureRequests", () => ({ request: { includeCompleted: true } }));
  build(C, "RequestReRoute", () => ({
    request: { referralId: reroutable, reason: "RE_ROUTE_REASON_DECLINED" },
  }));

  const stepOf = (host: ServiceName, step: InboxStep) => inbox.get(host)?.get(step) as string;
  build(R, "ListInbox", (host) => ({ request: { organisationId: receiving(host).victim } }));
  build(R, "GetReferral", (host) => ({ request: { referralId: stepOf(host, "GetReferral") } }));
  build(R, "AcknowledgeReferral", (host) => ({
    request: { referralId: stepOf(host, "AcknowledgeReferral") },
  }));
  build(R, "AcceptReferral", (host) => ({ request: { referralId: stepOf(host, "AcceptReferral") } }));
  build(R, "DeclineReferral", (host) => ({
    request: {
      referralId: stepOf(host, "DeclineReferral"),
      reason: "DECLINE_REASON_OUTSIDE_MANDATE",
      internalNote: "Outside criteria.",
    },
  }));
  build(R, "PutReferralOnHold", (host) => ({
    request: {
      referralId: stepOf(host, "PutReferralOnHold"),
      reason: "ON_HOLD_REASON_CAPACITY_FULL",
      reviewBy: hoursFromNow(7 * 24),
      internalNote: "Waiting list.",
    },
  }));
  build(R, "StartReferral", (host) => ({ request: { referralId: stepOf(host, "StartReferral") } }));
  build(R, "CompleteReferral", (host) => ({
    request: {
      referralId: stepOf(host, "CompleteReferral"),
      outcomeCodes: ["OUTCOME_CODE_SERVICE_PROVIDED_FULL"],
      completedAt: new Date().toISOString(),
    },
  }));
  build(R, "ReportNotCompleted", (host) => ({
    request: {
      referralId: stepOf(host, "ReportNotCompleted"),
      reason: "NOT_COMPLETED_REASON_BENEFICIARY_UNREACHABLE",
      internalNote: "No answer.",
    },
  }));
  build(R, "ReportOutcome", (host) => ({
    request: {
      referralId: stepOf(host, "ReportOutcome"),
      outcomeCodes: ["OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL"],
      completedAt: new Date().toISOString(),
    },
  }));
  build(R, "RedirectReferral", (host) => ({
    request: {
      requestId: randomUUID(),
      referralId: stepOf(host, "RedirectReferral"),
      targetOrganisationId: receiving(host).neighbour,
      serviceType: SERVICE_TYPE[host] as string,
      reason: "REDIRECT_REASON_BETTER_PLACED_PARTNER",
      consentId,
    },
  }));
  build(R, "MakeOnwardReferral", (host) => ({
    request: {
      requestId: randomUUID(),
      parentReferralId: stepOf(host, "MakeOnwardReferral"),
      targetOrganisationId: host === "municipality" ? o.ecm : o.mmccGaziantep,
      serviceType: host === "municipality" ? "SERVICE_TYPE_ECM_CASH" : "SERVICE_TYPE_MMCC_COUNSELLING",
      priority: "PRIORITY_NORMAL",
      purpose: "PURPOSE_SERVICE_PROVISION",
      consentId,
      reasonForReferral: "Needs more support.",
    },
  }));

  build(R, "AssignReferral", (host) => ({
    request: { referralId: stepOf(host, "AssignReferral"), assigneeActorId: colleagues.get(host) as string },
  }));
  build(R, "ListReferralAssignments", (host) => ({
    request: { referralId: stepOf(host, "ListReferralAssignments") },
  }));
  build(R, "RecordContactAttempt", (host) => ({
    request: contactAttempt(stepOf(host, "RecordContactAttempt")),
  }));
  build(R, "ListContactAttempts", (host) => ({
    request: { referralId: stepOf(host, "ListContactAttempts") },
  }));

  build(E, "OpenCase", () => ({
    request: { requestId: randomUUID(), organisationId: o.ecm, beneficiaryRef: `new-${randomUUID()}` },
  }));
  build(E, "GetCase", () => ({ request: { caseId: ecmCase } }));
  build(E, "ListCases", () => ({ request: { organisationId: o.ecm } }));
  build(E, "RecordAssessment", () => ({
    request: { ...assessment, requestId: randomUUID(), summary: "Again." },
  }));
  build(E, "AddAssistanceItem", () => ({ request: assistance("Rent support") }));
  build(E, "ApproveAssistanceItem", () => ({ request: { assistanceItemId: approvable } }));
  build(E, "MarkAssistanceDelivered", () => ({
    request: { assistanceItemId: deliverable, deliveredAt: new Date().toISOString() },
  }));
  build(E, "CancelAssistanceItem", () => ({
    request: { assistanceItemId: cancellableItem, internalNote: "Duplicate." },
  }));
  build(E, "CloseCase", () => ({
    request: { caseId: closableEcm, reason: "CASE_CLOSURE_REASON_OBJECTIVES_MET", internalNote: "Done." },
  }));

  build(P, "OpenCase", () => ({
    request: { ...openProtection, requestId: randomUUID(), beneficiaryRef: `new-${randomUUID()}` },
  }));
  build(P, "GetCase", () => ({ request: { caseId: protectionCase } }));
  build(P, "ListCases", () => ({ request: { organisationId: o.protection } }));
  build(P, "AssignCase", () => ({
    request: {
      caseId: protectionCase,
      assignedCaseworkerId: protectionOwner.actorId ?? "",
      authorisedUserIds: ["prot-colleague"],
    },
  }));
  build(P, "RecordRiskAssessment", () => ({
    request: { ...risk, requestId: randomUUID(), summary: "Again." },
  }));
  build(P, "AddSafetyPlan", () => ({ request: { ...safety, requestId: randomUUID(), notes: "Again." } }));
  build(P, "CloseCase", () => ({
    request: {
      caseId: closableProtection,
      reason: "CASE_CLOSURE_REASON_OBJECTIVES_MET",
      internalNote: "Done.",
    },
  }));

  build(M, "ListCentres", () => ({ request: { provinceCodes: [location.provinceCode] } }));
  build(M, "OpenCase", () => ({
    request: { ...openMunicipal, requestId: randomUUID(), beneficiaryRef: `new-${randomUUID()}` },
  }));
  build(M, "GetCase", () => ({ request: { caseId: mmccCase } }));
  build(M, "ListCases", () => ({ request: { organisationId: o.mmccGaziantep } }));
  build(M, "RecordCounsellingSession", () => ({
    request: { ...session, requestId: randomUUID(), notes: "Again." },
  }));
  build(M, "RecordDirectAssistance", () => ({
    request: { ...direct, requestId: randomUUID(), description: "Blanket" },
  }));
  build(M, "CloseCase", () => ({
    request: { caseId: closableMmcc, reason: "CASE_CLOSURE_REASON_OBJECTIVES_MET", internalNote: "Done." },
  }));

  build(CC, "ListCentres", () => ({ request: { organisationIds: [o.centre] } }));
  build(CC, "ListActivities", () => ({ request: { centreIds: [centreId] } }));
  build(CC, "CreateActivity", () => ({ request: { requestId: randomUUID(), activity } }));
  build(CC, "UpdateActivity", () => ({ request: { activityId, capacity: 21 } }));
  build(CC, "EnrolParticipant", () => ({
    request: { requestId: randomUUID(), activityId, referralId: enrolable[0] as string },
  }));
  build(CC, "ListEnrolments", () => ({ request: { activityId } }));
  build(CC, "RecordAttendance", () => ({
    request: {
      activityId,
      sessionAt: hoursFromNow(-1),
      marks: [{ enrolmentId: enrolments[0] as string, status: "ATTENDANCE_STATUS_PRESENT" }],
    },
  }));
  build(CC, "CompleteEnrolment", () => ({
    request: {
      enrolmentId: enrolments[1] as string,
      status: "ENROLMENT_STATUS_COMPLETED",
      certificateIssued: true,
    },
  }));

  // Notifications: the MMCC's staff are told of each referral it received (role notices).
  const feedOwner = owner("notifications");
  const feed = await waitFor(
    async () => {
      const answer = await api.call(
        "notifications",
        N,
        "ListNotifications",
        { page: { pageSize: 500 } },
        feedOwner,
      );
      const list = (answer.ok ? (answer.response.notifications ?? []) : []) as JsonObject[];
      return list.length > 0 && list;
    },
    { timeoutMs: 60_000, message: "the MMCC staff's notifications" },
  );
  const watched = new Set(feed.map((n) => n.notificationId as string));
  for (const id of watched) secrets.add(id);
  const markable = feed[0]?.notificationId as string;
  build(N, "ListNotifications", () => ({ request: { unreadOnly: false, page: { pageSize: 500 } } }));
  build(N, "MarkNotificationsRead", () => ({ request: { notificationIds: [markable] } }));
  build(N, "GetNotificationPreferences", () => ({ request: {} }));
  build(N, "UpdateNotificationPreferences", () => ({
    request: { emailEnabled: false, digestFrequency: "DIGEST_FREQUENCY_HOURLY" },
  }));

  // Matching: the protection partner's record of a person, also registered (spelt otherwise) by a
  // community centre and by the other protection partner; the victim linked the centre's match.
  const matchOwner = owner("matching");
  const sought = { givenName: "Rania", familyName: "Khalil", birthYear: 1985, phoneNumber: "+905321112233" };
  const soughtHashes = keyedHashesOf(network.matchingSecret, sought);
  const victimRecord = canary();
  const linkedConsent = canary();
  const linkConsent = canary();
  for (const c of [victimRecord, linkedConsent, linkConsent]) secrets.add(c);
  const removableRecord = `removable-${randomUUID()}`;
  for (const recordRef of [victimRecord, removableRecord]) {
    const record = { organisationId: o.protection, recordRef, hashes: soughtHashes };
    await api.must("matching", MA, "RegisterRecord", record, matchOwner);
  }
  const variant = {
    givenName: "Khalil",
    familyName: "Rania",
    birthYear: 1985,
    phoneNumber: "0532 111 22 33",
  };
  await api.must(
    "matching",
    MA,
    "RegisterRecord",
    { recordRef: "centre-record-1", hashes: keyedHashesOf(network.matchingSecret, variant) },
    partnerSystem(o.centre),
  );
  await api.must(
    "matching",
    MA,
    "RegisterRecord",
    { recordRef: "neighbour-record-1", hashes: soughtHashes },
    partnerSystem(o.protectionOther),
  );
  const told = await api.must("matching", MA, "FindMatches", { recordRef: victimRecord }, matchOwner);
  const matchAt = (organisationId: string) => {
    const list = (told.possibleMatches ?? []) as JsonObject[];
    return dig(list.find((m) => m.organisationId === organisationId) ?? {}, "matchId");
  };
  const centreMatch = matchAt(o.centre);
  const neighbourMatch = matchAt(o.protectionOther);
  seeded("matching", centreMatch, neighbourMatch);
  await api.must("matching", MA, "LinkMatch", { matchId: centreMatch, consentId: linkedConsent }, matchOwner);
  // Writes name the victim's organisation (an attacker registering the victim's hashes as its own
  // would be told the match: the probing ADR 0027 accepts from a holder of the secret). Reads and
  // links name the victim's records only, so each attacker acts for its own organisation on them.
  const nothingMatched = (response: JsonObject) =>
    [...((response.possibleMatches ?? []) as JsonObject[]), ...((response.links ?? []) as JsonObject[])].map(
      (m) => `a possible match or link of the victim's record: ${JSON.stringify(m)}`,
    );
  build(MA, "RegisterRecord", () => ({
    request: { organisationId: o.protection, recordRef: `registered-${randomUUID()}`, hashes: soughtHashes },
    foreign: nothingMatched,
  }));
  build(MA, "FindMatches", () => ({ request: { recordRef: victimRecord }, foreign: nothingMatched }));
  build(MA, "RemoveRecord", () => ({
    request: { organisationId: o.protection, recordRef: removableRecord },
  }));
  // The other protection partner holds the other side of this match: it still may not link it.
  build(MA, "LinkMatch", () => ({
    request: { matchId: neighbourMatch, consentId: linkConsent },
    foreign: nothingMatched,
  }));
  build(MA, "ListMatchLinks", () => ({ request: { recordRef: victimRecord }, foreign: nothingMatched }));

  // Audit (ADR 0025): the victim's supervisors read their organisation's audit on each process.
  build(AU, "ListAuditEntries", (host) => {
    const { victim } = sides.get(host) as Sides;
    return {
      request: { organisationId: victim, page: { pageSize: 500 } },
      foreign: (response) =>
        ((response.entries ?? []) as JsonObject[])
          .filter((entry) => entry.organisationId === victim)
          .map((entry) => `an audit row of ${victim}: ${entry.auditTable} #${entry.chainPosition}`),
    };
  });

  // The victims' own reads, compared before and after the attackers.
  snapshots.set("intake", async () => [
    await ownRead("intake", I, "GetBeneficiary", { beneficiaryId }),
    await ownRead("intake", I, "GetReferral", { referralId: readReferral }),
    await ownRead("intake", I, "ListReferrals", { referrerOrganisationId: o.ngo, page: { pageSize: 200 } }),
  ]);
  snapshots.set("coordination", async () => [
    await ownRead("coordination", C, "ListOrganisations", { includeInactive: true, page: { pageSize: 200 } }),
    await ownRead("coordination", C, "ListServiceOfferings", {
      organisationIds: [o.ecm],
      includeInactive: true,
    }),
    await ownRead("coordination", C, "GetReferralTimeline", { referralId: readReferral }),
  ]);
  const inboxReads = async (host: ServiceName) => [
    await ownRead(host, R, "ListInbox", { organisationId: receiving(host).victim, page: { pageSize: 200 } }),
    await ownRead(host, R, "GetReferral", { referralId: stepOf(host, "GetReferral") }),
  ];
  snapshots.set("ecm", async () => [
    ...(await inboxReads("ecm")),
    await ownRead("ecm", E, "GetCase", { caseId: ecmCase }),
    await ownRead("ecm", E, "ListCases", { organisationId: o.ecm, page: { pageSize: 200 } }),
  ]);
  snapshots.set("protection", async () => [
    ...(await inboxReads("protection")),
    await ownRead("protection", P, "GetCase", { caseId: protectionCase }),
    await ownRead("protection", P, "ListCases", { organisationId: o.protection, page: { pageSize: 200 } }),
  ]);
  snapshots.set("municipality", async () => [
    ...(await inboxReads("municipality")),
    await ownRead("municipality", M, "GetCase", { caseId: mmccCase }),
    await ownRead("municipality", M, "ListCases", {
      organisationId: o.mmccGaziantep,
      page: { pageSize: 200 },
    }),
  ]);
  // New notices reach the victim's feed whenever a referral reaches it (the matrix makes some): only
  // the entries there before the matrix are compared.
  snapshots.set("notifications", async () => {
    const answer = await api.call(
      "notifications",
      N,
      "ListNotifications",
      { page: { pageSize: 500 } },
      feedOwner,
    );
    const list = (answer.ok ? (answer.response.notifications ?? []) : []) as JsonObject[];
    return [
      list.filter((n) => watched.has(n.notificationId as string)),
      await ownRead("notifications", N, "GetNotificationPreferences", {}),
    ];
  });
  snapshots.set("matching", async () => [
    await ownRead("matching", MA, "FindMatches", { recordRef: victimRecord }),
    await ownRead("matching", MA, "FindMatches", { recordRef: removableRecord }),
    await ownRead("matching", MA, "ListMatchLinks", { recordRef: victimRecord }),
  ]);
  snapshots.set("community-centre", async () => [
    ...(await inboxReads("community-centre")),
    await ownRead("community-centre", CC, "ListEnrolments", { activityId }),
    await ownRead("community-centre", CC, "ListActivities", { centreIds: [centreId] }),
  ]);
}, 900_000);

afterAll(async () => {
  api?.close();
  await network?.close();
});

// --- snapshots ---------------------------------------------------------------------------------

const snapshots = new Map<ServiceName, () => Promise<unknown[]>>();

/**
 * One of the victim's reads, as the victim. Lists keep only the objects seeded on that process, so
 * what the network does meanwhile on its own (a new referral arriving) is not taken for a change.
 */
async function ownRead(host: ServiceName, service: string, name: string, request: JsonObject) {
  const owner = host === "coordination" ? coordinator : (sides.get(host)?.owner as ClientCaller);
  const answer = await api.call(host, service, name, request, owner);
  if (!answer.ok) return `${name}: ${codeName(answer)}`;
  const ids = seededOn.get(host) ?? new Set<string>();
  const response: Record<string, JsonValue> = { ...answer.response };
  if (name.startsWith("List") && host !== "coordination") {
    for (const [key, value] of Object.entries(response)) {
      if (Array.isArray(value)) response[key] = value.filter((item) => ids.has(ownId(item)));
      if (key === "page") delete response[key];
    }
  }
  return { [name]: response };
}

/** A listed object's own id (not the ids it refers to, such as its person's). */
function ownId(item: JsonValue): string {
  const record = (item ?? {}) as Record<string, JsonValue>;
  for (const key of ["referralId", "caseId", "enrolmentId", "activityId", "matchId"]) {
    if (typeof record[key] === "string") return record[key];
  }
  return "";
}

async function snapshot(host: ServiceName): Promise<unknown[]> {
  const take = snapshots.get(host);
  if (!take) throw new Error(`no snapshot for ${host}`);
  return take();
}

/** Where two snapshots differ first, as a path and both values. */
function difference(before: unknown, after: unknown, path = ""): string | undefined {
  if (JSON.stringify(before) === JSON.stringify(after)) return undefined;
  if (before && after && typeof before === "object" && typeof after === "object") {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      const inner = difference(
        (before as Record<string, unknown>)[key],
        (after as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (inner) return inner;
    }
  }
  return `${path}: ${JSON.stringify(before)?.slice(0, 300)} → ${JSON.stringify(after)?.slice(0, 300)}`;
}

// --- the matrix --------------------------------------------------------------------------------

interface Target {
  host: ServiceName;
  service: string;
  method: DescMethod;
  label: string;
}
const targets: Target[] = services.flatMap((service) =>
  (HOSTS[service.typeName] ?? []).flatMap((host) =>
    service.methods.map((method) => ({
      host,
      service: service.typeName,
      method,
      label: `${host} ${service.name}.${method.name}`,
    })),
  ),
);

interface Tally {
  tried: number;
  refused: number;
  /** Refused as the same request naming objects nobody holds is (e.g. a feature not supported yet). */
  refusedAlike: number;
  okClean: number;
  forged: number;
  findings: string[];
}
const tally: Tally = { tried: 0, refused: 0, refusedAlike: 0, okClean: 0, forged: 0, findings: [] };
const covered = new Set<string>();
const ownerAnswers: string[] = [];
/** Secrets the victims' own calls got back: shows the search for them finds what is there. */
const seenByVictims = new Set<string>();

/** The request with every victim object id in it replaced by an id nobody holds. */
function withUnknownIds(request: JsonObject): JsonObject {
  let text = JSON.stringify(request);
  for (const secret of secrets) if (UUID_ONLY.test(secret)) text = text.replaceAll(secret, randomUUID());
  return JSON.parse(text) as JsonObject;
}
const UUID_ONLY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function refusal(answer: Answer): string {
  return answer.ok ? "OK" : `${codeName(answer)} ${answer.details.replace(UUID, "<id>")}`;
}

/**
 * Refused with the codes that tell an attacker nothing, or answered with nothing of the victim. Any
 * other refusal must be the one the attacker also meets for objects nobody holds (e.g. a feature
 * not supported yet), or it tells the attacker something about the victim's object.
 */
async function judge(
  target: Target,
  request: JsonObject,
  who: string,
  caller: ClientCaller,
  extra: Record<string, string>,
  answer: Answer,
  foreign: (response: JsonObject) => string[] = () => [],
): Promise<string[]> {
  tally.tried++;
  const forged = Object.keys(extra).length > 0;
  if (forged) tally.forged++;
  const where = `${target.label} as ${who}${forged ? " (metadata naming the victim)" : ""}`;
  if (!answer.ok) {
    if (codeName(answer) === "NOT_FOUND" || codeName(answer) === "PERMISSION_DENIED") {
      tally.refused++;
      return [];
    }
    const { host, service, method } = target;
    const unknown = await api.call(host, service, method.name, withUnknownIds(request), caller, extra);
    if (refusal(unknown) === refusal(answer)) {
      tally.refusedAlike++;
      return [];
    }
    return [
      `${where}: refused with ${refusal(answer)}, not NOT_FOUND/PERMISSION_DENIED, and unlike for an unknown object (${refusal(unknown)})`,
    ];
  }
  const found = [...leaked(answer), ...foreign(answer.response)];
  if (found.length > 0) return [`${where}: OK with the victim's ${found.join(", ")}`];
  if (!READ.test(target.method.name) && !OWN_WRITES.has(`${target.service}/${target.method.name}`))
    return [`${where}: the write was accepted`];
  tally.okClean++;
  return [];
}

describe("broken object-level authorisation: every RPC against another organisation's objects", () => {
  it("has a victim's request for every RPC of every process", () => {
    const unplaced = services.map((s) => s.typeName).filter((name) => !(name in HOSTS));
    expect(unplaced).toEqual([]);
    const missing = targets.filter((t) => !builders.has(`${t.service}/${t.method.name}`)).map((t) => t.label);
    expect(missing).toEqual([]);
  });

  it.each(targets)("$label gives an attacker nothing of the victim's", async (target) => {
    const builder = builders.get(`${target.service}/${target.method.name}`);
    if (!builder) throw new Error(`no request for ${target.label}`);
    const side = sides.get(target.host);
    if (!side) throw new Error(`no organisations for ${target.host}`);
    const { request, owner = side.owner, ownerMeets, foreign } = builder(target.host);
    const findings: string[] = [];
    const attack = async (forged: boolean) => {
      const before = await snapshot(target.host);
      for (const { label, caller } of side.attackers) {
        const extra: Record<string, string> = forged
          ? {
              "kopru-organisation-id": side.victim,
              "kopru-actor-id": side.owner.actorId ?? "",
              "kopru-role": "coordinator",
            }
          : {};
        const answer = await api.call(
          target.host,
          target.service,
          target.method.name,
          request,
          caller,
          extra,
        );
        findings.push(...(await judge(target, request, label, caller, extra, answer, foreign)));
      }
      const changed = difference(before, await snapshot(target.host));
      if (changed) findings.push(`${target.label}: the victim's data changed at ${changed}`);
    };

    await attack(false);
    const own = await api.call(target.host, target.service, target.method.name, request, owner);
    ownerAnswers.push(`${target.label}: ${codeName(own)}`);
    for (const secret of leaked(own)) seenByVictims.add(secret);
    if (own.ok && PUBLIC_READS.has(`${target.service}/${target.method.name}`)) {
      for (const id of JSON.stringify(own.response).match(UUID) ?? []) {
        publicIds.add(id);
        secrets.delete(id);
      }
    } else if (own.ok) harvest(own.response);
    else if (codeName(own) !== "FAILED_PRECONDITION" && codeName(own) !== ownerMeets) {
      findings.push(
        `${target.label}: the victim's own request is not valid: ${codeName(own)} ${own.details}`,
      );
    }
    // Replayed after the victim's call (its idempotency key now taken), with metadata naming the victim.
    await attack(true);
    covered.add(`${target.host} ${target.service}/${target.method.name}`);
    tally.findings.push(...findings);
    expect(findings).toEqual([]);
  });

  it("shows each organisation's supervisors their own audit rows only, the attackers' as the victims'", async () => {
    const findings: string[] = [];
    for (const host of HOSTS[AU] ?? []) {
      const { owner, attackers } = sides.get(host) as Sides;
      // The co-hosted organisation's staff, with the supervisor role among theirs.
      const neighbour = attackers[0]?.caller as ClientCaller;
      const org = neighbour.organisationId as string;
      // A list of its own, audited even when empty: the neighbour's log holds rows of its own too.
      if (host === "intake")
        await api.must(host, I, "ListReferrals", { referrerOrganisationId: org }, neighbour);
      else await api.must(host, R, "ListInbox", { organisationId: org }, neighbour);
      for (const caller of [owner, neighbour]) {
        const organisationId = caller.organisationId as string;
        let pageToken = "";
        let rows = 0;
        do {
          const page = await api.must(
            host,
            AU,
            "ListAuditEntries",
            { organisationId, page: { pageSize: 500, pageToken } },
            caller,
          );
          const entries = (page.entries ?? []) as JsonObject[];
          rows += entries.length;
          for (const entry of entries) {
            if (entry.organisationId !== organisationId)
              findings.push(`${host}: ${organisationId}'s audit log shows a row of ${entry.organisationId}`);
          }
          pageToken = ((page.page as JsonObject | undefined)?.nextPageToken as string | undefined) ?? "";
        } while (pageToken);
        if (rows === 0) findings.push(`${host}: ${organisationId}'s audit log is empty`);
      }
    }
    expect(findings).toEqual([]);
  });

  it("covered every RPC of every hosted service, and says what it tried", () => {
    const expected = services.reduce((n, s) => n + s.methods.length * (HOSTS[s.typeName]?.length ?? 0), 0);
    console.log(
      [
        `BOLA matrix: ${covered.size} RPCs (of ${expected} in the descriptor set, per process)`,
        `  attacker calls tried: ${tally.tried} (${tally.forged} with metadata naming the victim)`,
        `  refused (NOT_FOUND / PERMISSION_DENIED): ${tally.refused}`,
        `  refused as for an object nobody holds (another code): ${tally.refusedAlike}`,
        `  OK without the victim's data (reads): ${tally.okClean}`,
        `  findings: ${tally.findings.length}`,
        ...tally.findings.map((f) => `    - ${f.split("\n")[0]}`),
        "  the victims' own calls:",
        ...ownerAnswers.filter((a) => !a.endsWith(": OK")).map((a) => `    ${a}`),
      ].join("\n"),
    );
    expect(covered.size).toBe(expected);
    const canaries = [...secrets].filter((secret) => secret.startsWith("Kanarya"));
    const seenCanaries = canaries.filter((c) => seenByVictims.has(c));
    console.log(
      `  canaries seeded: ${canaries.length}, returned to the victims themselves: ${seenCanaries.length}`,
    );
    expect(seenCanaries).toEqual(canaries);
    expect(seenByVictims.size).toBeGreaterThanOrEqual(40);
    expect(tally.tried).toBe(expected * 6);
  });
});
