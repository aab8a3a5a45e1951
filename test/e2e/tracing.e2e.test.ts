// One referral across three services, each a separate process exporting to a local OTLP receiver:
// the call into intake, its SQL and outbox, the NATS hop to the municipality's consumer, its SQL and
// the status event back to intake and coordination form one trace; the log lines written on the
// way carry that trace's ids; no span carries personal data.
import { randomBytes } from "node:crypto";
import {
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientsFor,
  GAZIANTEP,
  registerWithConsent,
  SYNTHETIC_PERSON,
  seedDirectory,
} from "../support/clients.js";
import { query } from "../support/database.js";
import { organisations, type ServiceName, TestNetwork } from "../support/network.js";
import { attributeStrings, OtlpReceiver, type ReceivedSpan, SpanKind } from "../support/otlp-receiver.js";

let receiver: OtlpReceiver;
let network: TestNetwork;
let api: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  network = await TestNetwork.create(organisations(), { ...receiver.exporterEnv(), LOG_LEVEL: "debug" });
  await network.start("coordination");
  await network.start("intake", "municipality");
  api = clientsFor(network);
  await seedDirectory(api.coordination(), network.orgs);
  await waitFor(
    async () => {
      const suggested = await api.intake().call("suggestTargets", {
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        criteria: {
          location: { provinceCode: GAZIANTEP, districtCode: "", provinceName: "", districtName: "" },
          partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
          allowWaitlist: true,
          excludedOrganisationIds: [],
        },
        limit: 5,
      });
      return suggested.candidates.some((c) => c.organisation?.organisationId === network.orgs.mmccGaziantep);
    },
    { timeoutMs: 30_000, message: "intake never replicated the directory" },
  );
}, 240_000);

afterAll(async () => {
  await network?.close();
  await receiver?.close();
});

describe("one referral, one trace", () => {
  it("follows the referral from intake's call through NATS to the municipality and back to intake and coordination", async () => {
    const { orgs } = network;
    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs);
    // A reason no span, attribute or log line may ever quote.
    const reason = `Canary reason ${randomBytes(6).toString("hex")} (synthetic)`;
    const created = await api.intake().call("createReferral", {
      requestId: uuidv4(),
      beneficiaryId,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: reason,
      consentId,
      routing: { $case: "explicitTarget", value: { organisationId: orgs.mmccGaziantep } },
      dataCategories: [],
    });
    const referralId = created.referral?.referralId ?? "";
    await waitFor(
      async () =>
        (await api.intake().call("getReferral", { referralId })).referral?.status ===
        ReferralStatus.REFERRAL_STATUS_RECEIVED,
      { timeoutMs: 30_000, message: "intake never saw the referral received" },
    );

    // The test process traces nothing itself: intake's server span is the root of the trace.
    const call = await waitFor(
      () =>
        receiver.spans.find(
          (s) => s.service === "intake" && s.kind === SpanKind.server && s.name.endsWith("/CreateReferral"),
        ),
      { timeoutMs: 15_000, message: "intake's CreateReferral span was never exported" },
    );
    expect(call.parentSpanId ?? "").toBe("");
    const requested = `publish kopru.v1.referral.requested.${orgs.mmccGaziantep}`;
    // Complete once coordination's span for the municipality's status event has arrived.
    const tree = await waitFor(
      () => {
        const spans = receiver.trace(call.traceId);
        const find = (parent: ReceivedSpan | undefined, match: (s: ReceivedSpan) => boolean) =>
          parent && spans.find((s) => s.parentSpanId === parent.spanId && match(s));
        const publishRequested = find(call, (s) => s.kind === SpanKind.producer && s.name === requested);
        const municipality = find(
          publishRequested,
          (s) => s.service === "municipality" && s.kind === SpanKind.consumer,
        );
        const publishReceived = find(
          municipality,
          (s) => s.kind === SpanKind.producer && s.name.startsWith("publish kopru.v1.referral.status."),
        );
        const coordination = find(
          publishReceived,
          (s) => s.service === "coordination" && s.kind === SpanKind.consumer,
        );
        const intakeFollowUp = find(
          publishReceived,
          (s) => s.service === "intake" && s.kind === SpanKind.consumer,
        );
        return (
          publishRequested &&
          municipality &&
          publishReceived &&
          coordination &&
          intakeFollowUp && {
            spans,
            publishRequested,
            municipality,
            publishReceived,
            coordination,
            intakeFollowUp,
          }
        );
      },
      { timeoutMs: 20_000, message: "the trace never reached coordination through the municipality" },
    );
    const { spans, publishRequested, municipality, publishReceived, coordination, intakeFollowUp } = tree;
    const sqlUnder = (parent: ReceivedSpan) =>
      spans.filter((s) => s.parentSpanId === parent.spanId && s.name.startsWith("pg.query:"));

    // intake → SQL → outbox → NATS → the municipality's consumer → SQL → status event → coordination.
    // A prepared statement's span carries its name, which starts with the operation.
    const intakeDatabase = network.database("intake").name;
    expect(
      sqlUnder(call).some(
        (s) => /^pg\.query:INSERT( \S+)? /.test(s.name) && s.name.endsWith(` ${intakeDatabase}`),
      ),
      `an INSERT into intake's database under the call: ${sqlUnder(call)
        .map((s) => s.name)
        .join(", ")}`,
    ).toBe(true);
    expect(publishRequested.service).toBe("intake");
    expect(municipality.name).toBe(`process kopru.v1.referral.requested.${orgs.mmccGaziantep}`);
    expect(municipality.links?.map((l) => l.spanId)).toEqual([publishRequested.spanId]);
    expect(sqlUnder(municipality).length).toBeGreaterThan(0);
    expect(publishReceived.service).toBe("municipality");
    expect(coordination.name).toBe(publishReceived.name.replace(/^publish/, "process"));
    // Coordination applies a batch's tracking writes set-wise just before its commit (ADR 0029), so
    // its SQL is not under each event's span: the event's effect is checked where it lands.
    const tracked = await query<{ n: string }>(
      network.database("coordination").url,
      "SELECT count(*) AS n FROM tracked_events WHERE referral_id = $1",
      [referralId],
    );
    expect(Number(tracked[0]?.n)).toBeGreaterThan(0);
    expect(intakeFollowUp.name).toBe(coordination.name);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["intake", "municipality", "coordination"]));
    const messageIds = spans.flatMap(
      (s) =>
        s.attributes?.filter((a) => a.key === "messaging.message.id").map((a) => a.value.stringValue) ?? [],
    );
    expect(messageIds.length).toBeGreaterThan(0);

    // No span says who the person is or why they were referred.
    const personal = [
      SYNTHETIC_PERSON.givenName,
      SYNTHETIC_PERSON.familyName,
      SYNTHETIC_PERSON.phoneNumber,
      reason,
      "rent arrears",
    ].map((value) => value.toLowerCase());
    const written = spans.flatMap((s) => [
      s.name,
      s.status?.message ?? "",
      ...attributeStrings(s.attributes),
      ...attributeStrings(s.resource),
      ...(s.events ?? []).flatMap((e) => [e.name, ...attributeStrings(e.attributes)]),
      ...(s.links ?? []).flatMap((l) => attributeStrings(l.attributes)),
    ]);
    for (const text of written) {
      for (const value of personal) expect(text.toLowerCase()).not.toContain(value);
    }

    // Every log line about this referral's events carries the trace and the span it was written in.
    const spanIds = new Set(spans.map((s) => s.spanId));
    const services: ServiceName[] = ["intake", "municipality", "coordination"];
    const lines = services.flatMap((service) =>
      network
        .logs(service)
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
    const aboutTheReferral = lines.filter(
      (line) => line.aggregateId === referralId || messageIds.includes(line.eventId as string),
    );
    expect(new Set(aboutTheReferral.map((line) => line.service))).toEqual(new Set(services));
    for (const line of aboutTheReferral) {
      expect(line).toMatchObject({ trace_id: call.traceId });
      expect(spanIds.has(line.span_id as string), `span ${String(line.span_id)} is in the trace`).toBe(true);
    }
    expect(aboutTheReferral).toContainEqual(
      expect.objectContaining({
        msg: "event handled",
        service: "municipality",
        span_id: municipality.spanId,
      }),
    );
    expect(aboutTheReferral).toContainEqual(
      expect.objectContaining({
        msg: "event handled",
        service: "coordination",
        span_id: coordination.spanId,
      }),
    );
    const logText = services.map((service) => network.logs(service).toLowerCase()).join("\n");
    for (const value of personal) expect(logText).not.toContain(value);
    // Loading telemetry printed no process warning (the ESM hook wraps only what it instruments).
    expect(logText).not.toMatch(/^\(node:\d+\)/m);
  });
});
