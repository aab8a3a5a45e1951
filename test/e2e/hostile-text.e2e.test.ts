import { randomBytes, randomUUID } from "node:crypto";
import {
  type DescField,
  type DescMessage,
  type DescMethod,
  type JsonObject,
  ScalarType,
} from "@bufbuild/protobuf";
import { fc } from "@fast-check/vitest";
import { Client, status } from "@grpc/grpc-js";
import {
  authorizationMetadata,
  type ClientCaller,
  checkText,
  isFreeTextField,
  serviceAudience,
} from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AU, hoursFromNow, keyedHashesOf, location, MA, registration } from "../support/access.js";
import { type ServiceName, TestNetwork } from "../support/network.js";
import { ALL_SERVICES, type Answer, dig, findMethod, HOSTS, services, unaryCall } from "../support/rpc.js";

// Every gRPC command of every service, driven with generated text against the real services (each a
// separate process on its own PostgreSQL database and this file's own NATS server): no answer may be
// INTERNAL or UNKNOWN, text that breaks the edge rules (ADR 0011) is refused with INVALID_ARGUMENT
// naming the field, and nothing of a refused call is written anywhere. The commands are read from the
// contracts' descriptor set, so a new method or service is driven without touching this file (a new
// service must only be placed on a process in test/support/rpc.ts, or the test fails). The fields
// of the audit log and the matching service hold ids, codes and hashes only: over-long text, SQL and
// markup in any of them are refused naming the field as well.

const RUNS_PER_COMMAND = 10;

/** One place a string can stand in a request: the JSON keys to reach it and its proto path. */
interface StringSlot {
  steps: { field: DescField; list: boolean }[];
  protoPath: string;
  fieldName: string;
}

/** Every string field of a request, nested messages and lists (first element) included. */
function stringSlots(message: DescMessage, depth = 0, seen: string[] = []): StringSlot[] {
  if (depth > 4 || seen.includes(message.typeName)) return [];
  const slots: StringSlot[] = [];
  for (const field of message.fields) {
    const list = field.fieldKind === "list";
    const suffix = list ? "[0]" : "";
    const isString =
      (field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar")) &&
      field.scalar === ScalarType.STRING;
    const nested =
      field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")
        ? field.message
        : undefined;
    if (isString) {
      slots.push({ steps: [{ field, list }], protoPath: `${field.name}${suffix}`, fieldName: field.name });
    } else if (nested && !nested.typeName.startsWith("google.protobuf.")) {
      for (const inner of stringSlots(nested, depth + 1, [...seen, message.typeName])) {
        slots.push({
          steps: [{ field, list }, ...inner.steps],
          protoPath: `${field.name}${suffix}.${inner.protoPath}`,
          fieldName: inner.fieldName,
        });
      }
    }
  }
  return slots;
}

/** A copy of `base` (proto JSON) with `value` at `slot`; other members of a oneof are cleared. */
function withString(base: JsonObject, slot: StringSlot, value: string): JsonObject {
  const copy = structuredClone(base);
  let node: JsonObject = copy;
  slot.steps.forEach(({ field, list }, i) => {
    const last = i === slot.steps.length - 1;
    if (field.oneof) {
      for (const member of field.oneof.fields) if (member !== field) delete node[member.jsonName];
    }
    if (last) {
      node[field.jsonName] = list ? [value] : value;
      return;
    }
    const existing = node[field.jsonName];
    if (list) {
      const items = Array.isArray(existing) ? existing : [];
      const first = (items[0] as JsonObject | undefined) ?? {};
      node[field.jsonName] = [first, ...items.slice(1)];
      node = first;
    } else {
      const child = (existing as JsonObject | undefined) ?? {};
      node[field.jsonName] = child;
      node = child;
    }
  });
  return copy;
}

/**
 * What a protobuf encoder sends for a JS string: a lone surrogate cannot be UTF-8, so it goes out
 * as U+FFFD (TextEncoder), and a server decoding bytes that are not UTF-8 reads U+FFFD too.
 */
function onTheWire(value: string): string {
  return value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

let network: TestNetwork;
const clients = new Map<ServiceName, Client>();
/** Who calls each process, or one service of a process (`<host> <service>`) when that needs another role. */
const callers = new Map<string, ClientCaller>();

async function call(host: ServiceName, method: DescMethod, request: JsonObject): Promise<Answer> {
  const caller = callers.get(`${host} ${method.parent.typeName}`) ?? callers.get(host) ?? {};
  return callAs(host, method, request, caller);
}

async function callAs(
  host: ServiceName,
  method: DescMethod,
  request: JsonObject,
  caller: ClientCaller,
): Promise<Answer> {
  const client = clients.get(host);
  if (!client) throw new Error(`${host} has no client`);
  const token = await network.tokens(caller, serviceAudience(host));
  return unaryCall(client, method, request, authorizationMetadata(token));
}

async function must(host: ServiceName, service: string, name: string, request: JsonObject) {
  const answer = await call(host, findMethod(service, name), request);
  if (!answer.ok) throw new Error(`${name} failed: ${status[answer.code]} ${answer.details}`);
  return answer.response;
}

/** Valid requests the generated text is put into, so calls reach the database and not just a validator. */
const bases = new Map<string, JsonObject>();
function base(service: string, methodName: string, request: JsonObject): void {
  bases.set(`${service}/${methodName}`, request);
}
/** A valid request for one process only (a service served by several, each for its own organisations). */
function baseOn(host: ServiceName, service: string, methodName: string, request: JsonObject): void {
  bases.set(`${host} ${service}/${methodName}`, request);
}
function baseOf(host: ServiceName, service: string, methodName: string): JsonObject {
  return bases.get(`${host} ${service}/${methodName}`) ?? bases.get(`${service}/${methodName}`) ?? {};
}

/** Opens a case in a receiving service; its case commands then work on that case. */
async function openCase(host: ServiceName, service: string, caseKey: string, open: JsonObject) {
  const caseId = dig(await must(host, service, "OpenCase", open), caseKey, "caseId");
  base(service, "OpenCase", open);
  base(service, "GetCase", { caseId });
  base(service, "ListCases", { organisationId: open.organisationId ?? "" });
  base(service, "CloseCase", { caseId, reason: "CASE_CLOSURE_REASON_OBJECTIVES_MET", internalNote: "Done." });
  return caseId;
}

beforeAll(async () => {
  // Eight processes start at once, each compiling its sources: on a loaded machine that takes minutes.
  network = await TestNetwork.create(undefined, {}, { startTimeoutMs: 300_000 });
  await network.start(...ALL_SERVICES);
  const o = network.orgs;
  for (const name of ALL_SERVICES) clients.set(name, new Client(network.address(name), network.channel()));
  callers.set("coordination", {
    organisationId: "iom-coordination",
    actorId: "coordinator-1",
    role: "coordinator",
  });
  callers.set("intake", { organisationId: o.ngo, actorId: "caseworker-1", role: "caseworker" });
  callers.set("ecm", { organisationId: o.ecm, actorId: "ecm-staff-1", role: "supervisor" });
  // Holding the restricted-case role, so risk assessments and safety plans reach their own checks.
  callers.set("protection", {
    organisationId: o.protection,
    actorId: "prot-staff-1",
    roles: ["supervisor", "protection-restricted"],
  });
  callers.set("municipality", {
    organisationId: o.mmccGaziantep,
    actorId: "mmcc-staff-1",
    role: "supervisor",
  });
  callers.set("community-centre", { organisationId: o.centre, actorId: "cc-staff-1", role: "supervisor" });
  callers.set("notifications", {
    organisationId: o.mmccGaziantep,
    actorId: "mmcc-staff-1",
    role: "caseworker",
  });
  callers.set("matching", { organisationId: o.protection, actorId: "prot-staff-1", role: "caseworker" });

  const C = "kopru.coordination.v1.CoordinationService";
  const organisations: [string, string][] = [
    [o.ngo, "PARTNER_KIND_NATIONAL_NGO"],
    [o.ecm, "PARTNER_KIND_ECM_UNIT"],
    [o.protection, "PARTNER_KIND_PROTECTION_PARTNER"],
    [o.mmccGaziantep, "PARTNER_KIND_MUNICIPALITY"],
  ];
  for (const [organisationId, partnerKind] of organisations) {
    await must("coordination", C, "UpsertOrganisation", {
      organisation: {
        organisationId,
        name: `${organisationId} (test)`,
        partnerKind,
        locations: [location],
        active: true,
      },
    });
  }
  const offering = {
    serviceOfferingId: `${o.ecm}-cash`,
    organisationId: o.ecm,
    serviceType: "SERVICE_TYPE_ECM_CASH",
    name: "Cash assistance (test)",
    coverage: [location],
    languages: ["ar", "tr"],
    eligibility: {},
    capacityStatus: "CAPACITY_STATUS_AVAILABLE",
    active: true,
  };
  await must("coordination", C, "UpsertServiceOffering", { serviceOffering: offering });
  base(C, "UpsertOrganisation", {
    organisation: {
      organisationId: o.ngo,
      name: "Hayat",
      partnerKind: "PARTNER_KIND_NATIONAL_NGO",
      locations: [location],
      active: true,
    },
  });
  base(C, "UpsertServiceOffering", { serviceOffering: offering });

  const I = "kopru.intake.v1.IntakeService";
  const person = registration(o.ngo, "Zeynep", "Synthetic-Kaya");
  const beneficiaryId = dig(
    await must("intake", I, "RegisterBeneficiary", person),
    "beneficiary",
    "beneficiaryId",
  );
  const consentRequest = {
    requestId: randomUUID(),
    beneficiaryId,
    givenBy: "CONSENT_GIVER_SELF",
    method: "CONSENT_METHOD_VERBAL_RECORDED",
    explainedInLanguage: "ar",
    recordedAt: new Date().toISOString(),
    scope: {
      partnerKinds: ["PARTNER_KIND_ECM_UNIT", "PARTNER_KIND_MUNICIPALITY", "PARTNER_KIND_PROTECTION_PARTNER"],
      purposes: ["PURPOSE_SERVICE_PROVISION"],
      dataCategories: [
        "DATA_CATEGORY_IDENTITY",
        "DATA_CATEGORY_CONTACT",
        "DATA_CATEGORY_DEMOGRAPHICS",
        "DATA_CATEGORY_LEGAL_STATUS",
        "DATA_CATEGORY_HOUSEHOLD",
        "DATA_CATEGORY_NEEDS",
      ],
    },
    expiresAt: hoursFromNow(365 * 24),
  };
  const consentId = dig(await must("intake", I, "RecordConsent", consentRequest), "consent", "consentId");
  const screening = {
    requestId: randomUUID(),
    beneficiaryId,
    servicesNeeded: ["SERVICE_TYPE_ECM_CASH"],
    needsSummary: "Rent arrears (synthetic).",
    household: { size: 3, childrenCount: 1 },
  };
  await must("intake", I, "ScreenNeeds", screening);
  base(I, "ScreenNeeds", screening);
  // Intake checks consent and routing against its replica of the directory: wait for the offering.
  const referralRequest = {
    requestId: randomUUID(),
    beneficiaryId,
    serviceType: "SERVICE_TYPE_ECM_CASH",
    priority: "PRIORITY_NORMAL",
    purpose: "PURPOSE_SERVICE_PROVISION",
    reasonForReferral: "Rent arrears (synthetic).",
    consentId,
    explicitTarget: { organisationId: o.ecm },
  };
  const referralId = await waitFor(
    async () => {
      const answer = await call("intake", findMethod(I, "CreateReferral"), {
        ...referralRequest,
        requestId: randomUUID(),
      });
      if (!answer.ok) throw new Error(`${status[answer.code]} ${answer.details}`);
      return dig(answer.response, "referral", "referralId");
    },
    { timeoutMs: 30_000, message: "intake to accept a referral to the ECM unit" },
  );
  base(I, "RegisterBeneficiary", person);
  base(I, "GetBeneficiary", { beneficiaryId });
  base(I, "RecordConsent", consentRequest);
  base(I, "SuggestTargets", {
    serviceType: "SERVICE_TYPE_ECM_CASH",
    criteria: { location, allowWaitlist: true },
    limit: 3,
  });
  base(I, "CreateReferral", referralRequest);
  base(I, "GetReferral", { referralId });
  base(I, "GetReferralTimeline", { referralId });
  base(I, "ListReferrals", { referrerOrganisationId: o.ngo });
  base(I, "CancelReferral", {
    referralId,
    reason: "CANCEL_REASON_NEED_RESOLVED",
    internalNote: "Moved away.",
  });
  base(I, "RequestErasure", {
    requestId: randomUUID(),
    beneficiaryId,
    reason: "ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST",
  });
  base(C, "GetReferralTimeline", { referralId });
  base(I, "UpdateContactDetails", {
    requestId: randomUUID(),
    beneficiaryId,
    safeToContact: true,
    safeTimes: "Weekday mornings.",
    safeContactWindows: [{ days: ["WEEKDAY_MONDAY"], startMinute: 600, endMinute: 720 }],
    preferredContactMethod: "CONTACT_METHOD_PHONE_CALL",
  });

  // The referral reaches the ECM unit's inbox: its commands work on a real referral.
  const R = "kopru.referral.v1.ReferralInboxService";
  await waitFor(async () => (await call("ecm", findMethod(R, "GetReferral"), { referralId })).ok, {
    timeoutMs: 30_000,
    message: "the referral in the ECM unit's inbox",
  });
  base(R, "GetReferral", { referralId });
  base(R, "ListInbox", { organisationId: o.ecm });
  base(R, "RecordContactAttempt", {
    requestId: randomUUID(),
    referralId,
    method: "CONTACT_ATTEMPT_METHOD_CALL",
    internalNote: "No answer.",
  });
  base(R, "ListContactAttempts", { referralId });
  base(R, "DeclineReferral", {
    referralId,
    reason: "DECLINE_REASON_NOT_ELIGIBLE_AGE",
    internalNote: "Outside criteria.",
  });
  base(R, "PutReferralOnHold", {
    referralId,
    reason: "ON_HOLD_REASON_CAPACITY_FULL",
    reviewBy: hoursFromNow(7 * 24),
    internalNote: "Waiting list.",
  });

  const E = "kopru.ecm.v1.EcmService";
  const ecmCase = await openCase("ecm", E, "ecmCase", {
    requestId: randomUUID(),
    organisationId: o.ecm,
    beneficiaryRef: "ref-1",
  });
  base(E, "RecordAssessment", {
    requestId: randomUUID(),
    caseId: ecmCase,
    needsIdentified: ["ASSISTANCE_KIND_CASH"],
    severity: "NEED_SEVERITY_SEVERE",
    summary: "Rent arrears.",
  });
  const assistance = {
    requestId: randomUUID(),
    caseId: ecmCase,
    kind: "ASSISTANCE_KIND_CASH",
    amount: { amountMinor: "150000", currency: "TRY" },
    description: "Rent support",
    paymentChannel: "PAYMENT_CHANNEL_BANK_ACCOUNT",
  };
  base(E, "AddAssistanceItem", assistance);
  const item = await call("ecm", findMethod(E, "AddAssistanceItem"), {
    ...assistance,
    requestId: randomUUID(),
  });
  if (item.ok) {
    const assistanceItemId = dig(item.response, "assistanceItem", "assistanceItemId");
    base(E, "CancelAssistanceItem", { assistanceItemId, internalNote: "Duplicate." });
    base(E, "ApproveAssistanceItem", { assistanceItemId });
  }

  const P = "kopru.protection.v1.ProtectionService";
  const openProtection = {
    requestId: randomUUID(),
    organisationId: o.protection,
    beneficiaryRef: "ref-2",
    caseType: "PROTECTION_CASE_TYPE_GENERAL",
    assignedCaseworkerId: "prot-staff-1",
  };
  const protectionCase = await openCase("protection", P, "protectionCase", openProtection);
  base(P, "AssignCase", {
    caseId: protectionCase,
    assignedCaseworkerId: "prot-staff-1",
    authorisedUserIds: ["prot-staff-2"],
  });
  base(P, "RecordRiskAssessment", {
    requestId: randomUUID(),
    caseId: protectionCase,
    riskLevel: "RISK_LEVEL_MEDIUM",
    summary: "Follow up.",
    nextReviewAt: hoursFromNow(7 * 24),
  });
  base(P, "AddSafetyPlan", {
    requestId: randomUUID(),
    caseId: protectionCase,
    actions: [{ description: "Call the hotline." }],
    notes: "Agreed signals.",
    reviewAt: hoursFromNow(7 * 24),
  });

  const M = "kopru.municipality.v1.MunicipalityService";
  const openMunicipal = { requestId: randomUUID(), organisationId: o.mmccGaziantep, beneficiaryRef: "ref-3" };
  const municipalCase = await openCase("municipality", M, "municipalityCase", openMunicipal);
  base(M, "RecordCounsellingSession", {
    requestId: randomUUID(),
    caseId: municipalCase,
    sessionType: "COUNSELLING_SESSION_TYPE_INDIVIDUAL",
    modality: "SESSION_MODALITY_IN_PERSON",
    durationMinutes: 45,
    heldAt: hoursFromNow(-1),
    notes: "First session.",
  });
  base(M, "RecordDirectAssistance", {
    requestId: randomUUID(),
    caseId: municipalCase,
    kind: "ASSISTANCE_KIND_NFI",
    description: "Hygiene kit x2",
    providedAt: hoursFromNow(-1),
  });

  const CC = "kopru.communitycentre.v1.CommunityCentreService";
  const centres = await must("community-centre", CC, "ListCentres", {});
  const centreId = dig(centres, "centres", 0, "centreId");
  const activities = await must("community-centre", CC, "ListActivities", { centreIds: [centreId] });
  const activityId = dig(activities, "activities", 0, "activityId");
  base(CC, "ListActivities", { centreIds: [centreId] });
  base(CC, "CreateActivity", {
    requestId: randomUUID(),
    activity: {
      centreId,
      title: "Turkish A2",
      kind: "ACTIVITY_KIND_LANGUAGE_COURSE",
      serviceType: "SERVICE_TYPE_LANGUAGE_COURSE_TURKISH",
      language: "tr",
      level: "A2",
      capacity: 10,
      schedule: {
        firstSessionAt: hoursFromNow(7 * 24),
        days: ["WEEKDAY_TUESDAY"],
        startTime: "18:00",
        sessionMinutes: 90,
        timeZone: "Europe/Istanbul",
        totalSessions: 12,
      },
    },
  });
  base(CC, "ListEnrolments", { activityId });
  base(CC, "UpdateActivity", { activityId, capacity: 12 });

  // The audit log (ADR 0025), read by a supervisor of the organisation on each process: one of its
  // audit tables, so text in the other fields reaches the query.
  callers.set(`intake ${AU}`, { organisationId: o.ngo, actorId: "supervisor-1", role: "supervisor" });
  const audited: [ServiceName, string, string][] = [
    ["intake", o.ngo, "intake_audit"],
    ["ecm", o.ecm, "referral_audit"],
    ["protection", o.protection, "referral_audit"],
    ["municipality", o.mmccGaziantep, "casework_audit"],
    ["community-centre", o.centre, "casework_audit"],
  ];
  for (const [host, organisationId, auditTable] of audited) {
    baseOn(host, AU, "ListAuditEntries", { organisationId, auditTable, page: { pageSize: 20 } });
  }

  // Matching (ADR 0027): the protection partner's record of a person a community centre holds too.
  const hashes = keyedHashesOf(network.matchingSecret, {
    givenName: "Rania",
    familyName: "Khalil",
    birthYear: 1985,
    phoneNumber: "+905321112233",
  });
  const register = async (caller: ClientCaller, recordRef: string) => {
    const answer = await callAs("matching", findMethod(MA, "RegisterRecord"), { recordRef, hashes }, caller);
    if (!answer.ok) throw new Error(`RegisterRecord failed: ${status[answer.code]} ${answer.details}`);
    return answer.response;
  };
  await register({ organisationId: o.centre }, "centre-record-1");
  const registered = await register(callers.get("matching") as ClientCaller, "prot-record-1");
  await register(callers.get("matching") as ClientCaller, "prot-record-2");
  const matchId = dig(registered, "possibleMatches", 0, "matchId");
  base(MA, "RegisterRecord", { recordRef: "prot-record-1", hashes });
  base(MA, "FindMatches", { recordRef: "prot-record-1" });
  base(MA, "RemoveRecord", { recordRef: "prot-record-2" });
  base(MA, "LinkMatch", { matchId, consentId: "consent-1" });
  base(MA, "ListMatchLinks", { recordRef: "prot-record-1" });
}, 900_000);

afterAll(async () => {
  for (const client of clients.values()) client.close();
  await network?.close();
});

// --- generated text ---------------------------------------------------------------------------

/** Characters the rules refuse wherever they stand. */
const ALWAYS_REFUSED = [
  "\u0000",
  "\u0001",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u009b",
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200e",
  "\u200f",
  "\u061c",
  "\u200b",
  "\ufeff",
  "\u2060",
  "\u00ad",
  "\u2028",
  "\u2029",
  "\ue000",
  "\uffff",
  "\ufdd0",
  // A lone high surrogate is followed by a letter: next to the lone low one below it would
  // otherwise make a well-formed pair (U+103FF), which is text like any other.
  "\ud800x",
  "\udfff",
  "\ufffd",
  "\u{e0041}",
  "\u3164",
];
/** Characters whose acceptance depends on where they stand or in which field. */
const CONTEXTUAL = ["\u200c", "\u200d", "\ufe0f", "\n", "\t", "\r", "\r\n"];
const REAL_TEXT = [
  "Zeynep",
  "محمد عبد الله",
  "می‌خواهم",
  "شەهید ڕەزا",
  "Şêrko Bêkes",
  "İsmail Işık",
  "Gülşen Öğüt",
  "S\u0327eyma",
  "👩🏽‍⚕️",
  "Jean-Marie O'Neill",
  "ሰላም",
];

const wellFormed = fc.oneof(fc.constantFrom(...REAL_TEXT), fc.string({ unit: "grapheme", maxLength: 12 }));
/** Readable text with at least one always-refused character inside, at the start or at the end. */
const hostile = fc
  .tuple(wellFormed, fc.array(fc.constantFrom(...ALWAYS_REFUSED), { minLength: 1, maxLength: 3 }), wellFormed)
  .map(([before, bad, after]) => `${before}${bad.join("")}${after}`);
const edgy = fc
  .tuple(wellFormed, fc.constantFrom(...CONTEXTUAL), wellFormed)
  .map(([before, mark, after]) => `${before}${mark}${after}`);
const generated = fc.oneof(
  { arbitrary: hostile.map((text) => ({ text, refused: true })), weight: 3 },
  { arbitrary: edgy.map((text) => ({ text, refused: false })), weight: 2 },
  { arbitrary: wellFormed.map((text) => ({ text, refused: false })), weight: 1 },
  {
    arbitrary: fc.string({ unit: "binary", maxLength: 24 }).map((text) => ({ text, refused: false })),
    weight: 1,
  },
);

// --- the property -----------------------------------------------------------------------------

const commands = services.flatMap((service) =>
  (HOSTS[service.typeName] ?? []).flatMap((host) =>
    service.methods.map((m) => ({
      host,
      service: service.typeName,
      method: m,
      label: `${host} ${service.name}.${m.name}`,
    })),
  ),
);
/** Services whose every string field is an id, a code, a token or a hash: none holds prose. */
const SHAPED = new Set([AU, MA]);
/** Text that passes the character rules but fits no id, code or hash: over-long, SQL, markup. */
const OUT_OF_SHAPE: ((canary: string) => string)[] = [
  (canary) => `${canary}${"a".repeat(64)}`,
  (canary) => `${canary}${"a".repeat(100_000)}`,
  (canary) => `${canary}'); DROP TABLE match_records; --`,
  (canary) => `${canary}" OR "1"="1`,
  (canary) => `${canary}<img src=x onerror=alert(1)>`,
];

/** The canary of every call that did not succeed: none of them may be found in any database. */
const refusedCanaries: string[] = [];
/** The canary of every call that succeeded: some are stored, which shows the search finds them. */
const acceptedCanaries: string[] = [];

describe("text at the edge of every gRPC command", () => {
  it("places every service of the contracts on a process", () => {
    const unplaced = services.map((s) => s.typeName).filter((name) => !(name in HOSTS));
    expect(unplaced).toEqual([]);
    expect(commands.length).toBeGreaterThan(60);
  });

  it.each(commands)(
    "$label never answers INTERNAL or UNKNOWN, and refuses bad text naming the field",
    async ({ host, service, method: m }) => {
      const slots = stringSlots(m.input);
      const start = baseOf(host, service, m.name);
      if (slots.length === 0) {
        const answer = await call(host, m, start);
        expect([status.INTERNAL, status.UNKNOWN]).not.toContain(answer.ok ? status.OK : answer.code);
        return;
      }
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...slots),
          generated,
          fc.constantFrom("before", "after", "none"),
          async (slot, { text, refused }, canaryAt) => {
            const canary = `cnry${randomBytes(6).toString("hex")}`;
            const value =
              canaryAt === "before" ? `${canary}${text}` : canaryAt === "after" ? `${text}${canary}` : text;
            const answer = await call(host, m, withString(start, slot, onTheWire(value)));
            const code = answer.ok ? status.OK : answer.code;
            expect(
              [status.INTERNAL, status.UNKNOWN],
              `${slot.protoPath}: ${JSON.stringify(value)}`,
            ).not.toContain(code);
            const breaksRules =
              refused || !checkText(value, { freeText: isFreeTextField(slot.fieldName) }).ok;
            if (breaksRules) {
              expect(status[code], `${slot.protoPath}: ${JSON.stringify(value)}`).toBe("INVALID_ARGUMENT");
              expect(answer.ok ? "" : answer.details).toContain(`${slot.protoPath}: contains`);
            }
            if (canaryAt !== "none") (answer.ok ? acceptedCanaries : refusedCanaries).push(canary);
          },
        ),
        { numRuns: RUNS_PER_COMMAND },
      );
    },
  );

  it.each(commands.filter((c) => SHAPED.has(c.service)))(
    "$label refuses over-long text, SQL and markup in every field, naming it",
    async ({ host, service, method: m }) => {
      const start = baseOf(host, service, m.name);
      for (const slot of stringSlots(m.input)) {
        for (const outOfShape of OUT_OF_SHAPE) {
          const canary = `cnry${randomBytes(6).toString("hex")}`;
          const value = outOfShape(canary);
          const answer = await call(host, m, withString(start, slot, value));
          const what = `${slot.protoPath}: ${JSON.stringify(value.slice(0, 60))} (${value.length} characters)`;
          expect(status[answer.ok ? status.OK : answer.code], what).toBe("INVALID_ARGUMENT");
          expect(answer.ok ? "" : answer.details, what).toContain(`${slot.protoPath}: `);
          refusedCanaries.push(canary);
        }
      }
    },
  );

  it("wrote nothing of any refused call into any database", async () => {
    expect(refusedCanaries.length).toBeGreaterThan(100);
    const stored: string[] = [];
    for (const name of ALL_SERVICES) {
      const found = await findCanaries(network.database(name).url);
      expect(
        found.filter((canary) => refusedCanaries.includes(canary)),
        name,
      ).toEqual([]);
      stored.push(...found);
    }
    expect(stored.filter((canary) => acceptedCanaries.includes(canary)).length).toBeGreaterThan(0);
  });
});

/** Every canary stored in a database, in text columns or inside binary ones (outbox payloads). */
async function findCanaries(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const binary = await client.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'bytea'",
    );
    const texts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ text: string }>(
        `SELECT t::text AS text FROM "${table_name}" t WHERE t::text LIKE '%cnry%'`,
      );
      texts.push(...rows.rows.map((r) => r.text));
    }
    for (const { table_name, column_name } of binary.rows) {
      const rows = await client.query<{ text: string }>(
        `SELECT encode("${column_name}", 'escape') AS text FROM "${table_name}" WHERE position('cnry'::bytea in "${column_name}") > 0`,
      );
      texts.push(...rows.rows.map((r) => r.text));
    }
    return [...new Set(texts.flatMap((text) => [...text.matchAll(/cnry[0-9a-f]{12}/g)].map((m) => m[0])))];
  } finally {
    await client.end();
  }
}
