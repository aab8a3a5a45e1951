import { randomBytes } from "node:crypto";
import { busMigrations } from "@kopru/bus";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  DeclineReason,
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  type ListInboxRequest,
  ReferralInboxServiceClient,
} from "@kopru/contracts/referral/v1/inbox_service";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import { sealingMigrations } from "@kopru/sealing";
import {
  channelCredentials,
  ErrorCatalogue,
  type GrpcClient,
  grpcClient,
  type ServiceSpec,
  serviceEnv,
} from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFERRAL_ERRORS } from "./errors.js";
import { receivingServiceParts } from "./receiving.js";
import { referralMigrations, referralStore } from "./store.js";
import { publishReferral, refusal, startTestService, type TestService } from "./testkit.js";

// A receiving organisation's inbox as a partner system reads it, over the real JetStream and
// PostgreSQL: filters by priority, "changed since" oldest change first, and keyset pages that neither
// skip nor repeat a referral when one changes between two pages or several share a microsecond.
const suffix = randomBytes(4).toString("hex");
const ORG = `mmcc-list-${suffix}`;
const REFERRER = `ngo-list-${suffix}`;
const DAY = 86_400_000;
const env = serviceEnv(0);
const spec: ServiceSpec<typeof env> = {
  name: "inbox-list-test",
  envSchema: env,
  migrations: [busMigrations, timerMigrations, directoryMigrations, sealingMigrations, referralMigrations],
  layout: NETWORK_LAYOUT,
  errors: new ErrorCatalogue(REFERRAL_ERRORS),
  async build(context) {
    const parts = receivingServiceParts(context, { organisations: [ORG] });
    return { grpc: parts.grpc, consumers: parts.consumers, workers: parts.workers, sealing: parts.sealing };
  },
};

const PRIORITIES = [
  Priority.PRIORITY_HIGH,
  Priority.PRIORITY_NORMAL,
  Priority.PRIORITY_NORMAL,
  Priority.PRIORITY_EMERGENCY,
  Priority.PRIORITY_HIGH,
  Priority.PRIORITY_NORMAL,
  Priority.PRIORITY_HIGH,
];

let service: TestService<ReturnType<typeof env.parse>>;
let inbox: GrpcClient<ReferralInboxServiceClient>;
/** The referrals received in beforeAll, in the order they were sent. */
const received: { referralId: string; priority: Priority }[] = [];

function pkg(priority: Priority): ReferralPackage {
  const referralId = uuidv7();
  return ReferralPackage.fromPartial({
    referralId,
    rootReferralId: referralId,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: uuidv7(),
    referrer: { organisationId: REFERRER },
    target: { organisationId: ORG },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consentId: uuidv7(),
    consentScope: {
      organisationIds: [ORG],
      partnerKinds: [],
      purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
      dataCategories: [DataCategory.DATA_CATEGORY_IDENTITY, DataCategory.DATA_CATEGORY_NEEDS],
    },
    consentExpiresAt: new Date(Date.now() + 365 * DAY),
    requestedAt: new Date(),
    requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: REFERRER, actorId: "", role: 0 },
    reasonForReferral: "Needs counselling (synthetic).",
    disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: "TUR027" },
    identity: { givenName: "Demo", familyName: "Person (synthetic)" },
    needs: { needsSummary: "synthetic" },
  });
}

beforeAll(async () => {
  service = await startTestService(spec, `inbox-list-${suffix}`, {});
  inbox = grpcClient(
    ReferralInboxServiceClient,
    service.address,
    channelCredentials("plaintext"),
    { organisationId: ORG, actorId: "mmcc-caseworker", roles: ["caseworker"] },
    service.auth,
  );
  for (const priority of PRIORITIES) {
    const p = pkg(priority);
    await publishReferral(service.nats, p);
    received.push({ referralId: p.referralId, priority });
  }
  await waitFor(
    async () => {
      for (const r of received) {
        const found = await referralStore.find(service.running.context.db, r.referralId, "target");
        if (found?.status !== ReferralStatus.REFERRAL_STATUS_RECEIVED) return false;
      }
      return true;
    },
    { timeoutMs: 30_000, message: "the referrals never arrived" },
  );
}, 90_000);

afterAll(async () => {
  inbox?.close();
  await service?.stop();
});

const list = (request: Partial<ListInboxRequest>) =>
  inbox.call("listInbox", {
    organisationId: ORG,
    statuses: [],
    serviceTypes: [],
    priorities: [],
    overdueOnly: false,
    ...request,
  });

/** Every page of a list, followed to its end. */
async function allPages(request: Partial<ListInboxRequest>, pageSize: number) {
  const pages: string[][] = [];
  let pageToken = "";
  do {
    const got = await list({ ...request, page: { pageSize, pageToken } });
    pages.push(got.referrals.map((r) => r.referralId));
    pageToken = got.page?.nextPageToken ?? "";
  } while (pageToken !== "" && pages.length < 20);
  return pages;
}

/** Sets the target's copy's timestamps directly: the test controls ties to the microsecond. */
async function setTimes(referralId: string, times: { respondBy?: string; updatedAt?: string }) {
  await service.running.context.db.query(
    `UPDATE referrals SET respond_by = coalesce($2::timestamptz, respond_by),
        updated_at = coalesce($3::timestamptz, updated_at)
      WHERE referral_id = $1 AND role = 'target'`,
    [referralId, times.respondBy ?? null, times.updatedAt ?? null],
  );
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const idAt = (i: number) => received[i]?.referralId ?? "";

describe("listing an inbox", () => {
  it("filters by priority", async () => {
    const high = await list({ priorities: [Priority.PRIORITY_HIGH] });
    expect(high.referrals.map((r) => r.referralId).sort(byId)).toEqual(
      received
        .filter((r) => r.priority === Priority.PRIORITY_HIGH)
        .map((r) => r.referralId)
        .sort(byId),
    );
    const refused = await refusal(list({ priorities: [Priority.PRIORITY_UNSPECIFIED] }));
    expect(refused).toMatchObject({ status: "INVALID_ARGUMENT", fields: ["priorities[0]"] });
  });

  it("pages by answer deadline, each referral once, even when one on a page already read is answered", async () => {
    // Four share a deadline to the microsecond, across the page boundaries.
    const tie = "2027-01-10T09:00:00.654321Z";
    for (const i of [1, 2, 3, 4]) await setTimes(idAt(i), { respondBy: tie });
    await setTimes(idAt(0), { respondBy: "2027-01-10T09:00:00.654320Z" });
    await setTimes(idAt(5), { respondBy: "2027-01-10T09:00:00.654322Z" });
    await setTimes(idAt(6), { respondBy: "2027-02-01T00:00:00Z" });
    const order = [idAt(0), ...[1, 2, 3, 4].map(idAt).sort(byId), idAt(5), idAt(6)];
    const pages = await allPages({}, 2);
    expect(pages.flat()).toEqual(order);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);

    // Page one read; then its first referral is declined and leaves the open inbox. An offset would
    // now skip one referral; the key carries on where page one ended.
    const first = await list({ page: { pageSize: 2, pageToken: "" } });
    expect(first.referrals.map((r) => r.referralId)).toEqual(order.slice(0, 2));
    await inbox.call("declineReferral", {
      referralId: order[0] ?? "",
      reason: DeclineReason.DECLINE_REASON_OUTSIDE_MANDATE,
    });
    let rest: string[] = [];
    let token = first.page?.nextPageToken ?? "";
    while (token !== "") {
      const got = await list({ page: { pageSize: 2, pageToken: token } });
      rest = [...rest, ...got.referrals.map((r) => r.referralId)];
      token = got.page?.nextPageToken ?? "";
    }
    expect(rest).toEqual(order.slice(2));
  });

  it("lists changes since an instant oldest first, ties broken by id, and a change between pages comes back later", async () => {
    const since = new Date("2026-06-01T00:00:00.000Z");
    const statuses = [ReferralStatus.REFERRAL_STATUS_RECEIVED, ReferralStatus.REFERRAL_STATUS_DECLINED];
    await setTimes(idAt(0), { updatedAt: "2026-05-31T23:59:59.999999Z" });
    await setTimes(idAt(1), { updatedAt: "2026-06-01T00:00:00.000Z" });
    for (const i of [2, 3, 4]) await setTimes(idAt(i), { updatedAt: "2026-06-02T08:00:00.000001Z" });
    await setTimes(idAt(5), { updatedAt: "2026-06-03T00:00:00Z" });
    await setTimes(idAt(6), { updatedAt: "2026-06-04T00:00:00Z" });
    const expected = [idAt(1), ...[2, 3, 4].map(idAt).sort(byId), idAt(5), idAt(6)];
    expect((await allPages({ updatedSince: since, statuses }, 2)).flat()).toEqual(expected);

    const first = await list({ updatedSince: since, statuses, page: { pageSize: 2, pageToken: "" } });
    expect(first.referrals.map((r) => r.referralId)).toEqual(expected.slice(0, 2));
    // Seen by the partner, then answered: it changes now, so it comes again, at the end.
    await inbox.call("declineReferral", {
      referralId: expected[0] ?? "",
      reason: DeclineReason.DECLINE_REASON_OUTSIDE_MANDATE,
    });
    let rest: string[] = [];
    let token = first.page?.nextPageToken ?? "";
    while (token !== "") {
      const got = await list({ updatedSince: since, statuses, page: { pageSize: 2, pageToken: token } });
      rest = [...rest, ...got.referrals.map((r) => r.referralId)];
      token = got.page?.nextPageToken ?? "";
    }
    expect(rest).toEqual([...expected.slice(2), expected[0]]);
  });

  it("sees closed referrals in a changes-since feed without statuses named, and only open ones otherwise", async () => {
    const declined = idAt(6);
    await inbox.call("declineReferral", {
      referralId: declined,
      reason: DeclineReason.DECLINE_REASON_OUTSIDE_MANDATE,
    });
    const feed = (await allPages({ updatedSince: new Date("2000-01-01T00:00:00Z") }, 50)).flat();
    expect(feed).toContain(declined);
    const open = (await allPages({}, 50)).flat();
    expect(open).not.toContain(declined);
  });

  it("refuses a page token it did not give, or one from a list in another order", async () => {
    expect(await refusal(list({ page: { pageSize: 2, pageToken: "12" } }))).toMatchObject({
      status: "INVALID_ARGUMENT",
      fields: ["page.page_token"],
    });
    const byDeadline = await list({ page: { pageSize: 1, pageToken: "" } });
    const token = byDeadline.page?.nextPageToken ?? "";
    expect(token).not.toBe("");
    expect(
      await refusal(
        list({ updatedSince: new Date("2027-01-01T00:00:00Z"), page: { pageSize: 1, pageToken: token } }),
      ),
    ).toMatchObject({ status: "INVALID_ARGUMENT", fields: ["page.page_token"] });
  });
});
