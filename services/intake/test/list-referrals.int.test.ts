import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { Priority, Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { ListReferralsRequest } from "@kopru/contracts/intake/v1/intake_service";
import type { NatsTestConnection } from "@kopru/testing";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  failure,
  grpcCode,
  type IntakeUnderTest,
  publishDirectory,
  recordTestConsent,
  startIntake,
  testNetworkIds,
} from "./support.js";

// The referrer's list, as a partner system syncs it, against the real PostgreSQL: filters by
// priority, "changed since" oldest change first, and pages that neither skip nor repeat a referral
// when referrals change between two pages or share a timestamp to the microsecond.

const ids = testNetworkIds();
let nats: NatsTestConnection;
let intake: IntakeUnderTest;
/** The referrals made in beforeAll, in the order they were made. */
const made: { referralId: string; priority: Priority }[] = [];

const PRIORITIES = [
  Priority.PRIORITY_HIGH,
  Priority.PRIORITY_NORMAL,
  Priority.PRIORITY_NORMAL,
  Priority.PRIORITY_EMERGENCY,
  Priority.PRIORITY_HIGH,
  Priority.PRIORITY_NORMAL,
  Priority.PRIORITY_HIGH,
];

beforeAll(async () => {
  nats = await connect();
  intake = await startIntake(ids, nats);
  await publishDirectory(nats, ids);
  await waitFor(
    async () => {
      const suggested = await intake.api.call("suggestTargets", {
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        criteria: {
          location: { provinceCode: ids.province, districtCode: "" },
          partnerKinds: [],
          allowWaitlist: false,
          excludedOrganisationIds: [],
        },
        limit: 10,
      });
      return suggested.candidates.length > 0;
    },
    { timeoutMs: 30_000, message: "intake never replicated the test directory" },
  );
  const registered = await intake.api.call("registerBeneficiary", {
    requestId: uuidv4(),
    organisationId: ids.ngo,
    givenName: "Leyla",
    familyName: "Synthetic-Demir",
    sex: Sex.SEX_FEMALE,
    birthYear: 1988,
    nationality: "SY",
    legalStatus: 0,
    residence: { provinceCode: ids.province, districtCode: "" },
    phoneNumber: "+905550000071",
    preferredLanguage: "ar",
    interpreterNeeded: false,
    safeToContact: true,
    preferredContactMethod: 0,
    safeContactWindows: [],
  });
  const beneficiaryId = registered.beneficiary?.beneficiaryId ?? "";
  const consentId = await recordTestConsent(intake.api, beneficiaryId);
  await intake.api.call("screenNeeds", {
    requestId: uuidv4(),
    beneficiaryId,
    servicesNeeded: [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING],
    vulnerabilities: [],
    washingtonGroupAnswers: [],
    needsSummary: "Needs counselling (synthetic).",
  });
  for (const priority of PRIORITIES) {
    const created = await intake.api.call("createReferral", {
      requestId: uuidv4(),
      beneficiaryId,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: "Needs counselling (synthetic).",
      consentId,
      routing: { $case: "explicitTarget", value: { organisationId: ids.mmcc } },
      dataCategories: [],
    });
    made.push({ referralId: created.referral?.referralId ?? "", priority });
  }
}, 120_000);

afterAll(async () => {
  await intake?.stop();
  await nats?.close();
});

const list = (request: Partial<ListReferralsRequest>) =>
  intake.api.call("listReferrals", {
    referrerOrganisationId: ids.ngo,
    statuses: [],
    serviceTypes: [],
    priorities: [],
    ...request,
  });

/** Every page of a list, followed to its end. */
async function allPages(request: Partial<ListReferralsRequest>, pageSize: number) {
  const pages: string[][] = [];
  let pageToken = "";
  do {
    const got = await list({ ...request, page: { pageSize, pageToken } });
    pages.push(got.referrals.map((r) => r.referralId));
    pageToken = got.page?.nextPageToken ?? "";
  } while (pageToken !== "" && pages.length < 20);
  return pages;
}

/** Sets the referrer's copy's timestamps directly: the test controls ties to the microsecond. */
async function setTimes(referralId: string, times: { requestedAt?: string; updatedAt?: string }) {
  await intake.running.context.db.query(
    `UPDATE referrals SET requested_at = coalesce($2::timestamptz, requested_at),
        updated_at = coalesce($3::timestamptz, updated_at)
      WHERE referral_id = $1 AND role = 'referrer'`,
    [referralId, times.requestedAt ?? null, times.updatedAt ?? null],
  );
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe("listing the referrals an organisation made", () => {
  it("filters by priority", async () => {
    const high = await list({ priorities: [Priority.PRIORITY_HIGH] });
    expect(high.referrals.map((r) => r.referralId).sort(byId)).toEqual(
      made
        .filter((m) => m.priority === Priority.PRIORITY_HIGH)
        .map((m) => m.referralId)
        .sort(byId),
    );
    expect(high.referrals.every((r) => r.priority === Priority.PRIORITY_HIGH)).toBe(true);
    const urgentOrNormal = await list({
      priorities: [Priority.PRIORITY_EMERGENCY, Priority.PRIORITY_NORMAL],
    });
    expect(urgentOrNormal.referrals).toHaveLength(4);
    expect(
      grpcCode(await failure(list({ priorities: [Priority.PRIORITY_UNSPECIFIED] }))),
      "an unspecified priority is a bad filter",
    ).toBe("INVALID_ARGUMENT");
  });

  it("pages newest request first, each referral once, ties broken by id, and stops without an empty page", async () => {
    // Four referrals requested in the same microsecond straddle the page boundaries.
    const tie = "2026-03-01T10:00:00.123456Z";
    for (const m of made.slice(0, 4)) await setTimes(m.referralId, { requestedAt: tie });
    await setTimes(made[4]?.referralId ?? "", { requestedAt: "2026-03-01T10:00:00.123457Z" });
    await setTimes(made[5]?.referralId ?? "", { requestedAt: "2026-03-01T10:00:00.123455Z" });
    await setTimes(made[6]?.referralId ?? "", { requestedAt: "2026-02-01T00:00:00Z" });
    const pages = await allPages({}, 2);
    const tied = made
      .slice(0, 4)
      .map((m) => m.referralId)
      .sort(byId);
    expect(pages.flat()).toEqual([made[4]?.referralId, ...tied, made[5]?.referralId, made[6]?.referralId]);
    // Seven referrals in pages of two: four pages, the last one short, none empty.
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    // Six in pages of three: the second page says it is the last.
    const six = await allPages({ priorities: [Priority.PRIORITY_HIGH, Priority.PRIORITY_NORMAL] }, 3);
    expect(six.map((p) => p.length)).toEqual([3, 3]);
  });

  it("lists changes since an instant oldest first, and a referral that changes between pages comes back later, never lost", async () => {
    const since = new Date("2026-04-01T00:00:00.000Z");
    // Before `since`: not listed. At it exactly: listed. Three share one microsecond.
    await setTimes(made[0]?.referralId ?? "", { updatedAt: "2026-03-31T23:59:59.999999Z" });
    await setTimes(made[1]?.referralId ?? "", { updatedAt: "2026-04-01T00:00:00.000Z" });
    for (const m of made.slice(2, 5))
      await setTimes(m.referralId, { updatedAt: "2026-04-02T08:00:00.000001Z" });
    await setTimes(made[5]?.referralId ?? "", { updatedAt: "2026-04-03T00:00:00Z" });
    await setTimes(made[6]?.referralId ?? "", { updatedAt: "2026-04-04T00:00:00Z" });
    const expected = [
      made[1]?.referralId,
      ...made
        .slice(2, 5)
        .map((m) => m.referralId)
        .sort(byId),
      made[5]?.referralId,
      made[6]?.referralId,
    ];
    expect((await allPages({ updatedSince: since }, 2)).flat()).toEqual(expected);

    const first = await list({ updatedSince: since, page: { pageSize: 2, pageToken: "" } });
    expect(first.referrals.map((r) => r.referralId)).toEqual(expected.slice(0, 2));
    expect(first.referrals.map((r) => r.updatedAt?.toISOString())).toEqual([
      "2026-04-01T00:00:00.000Z",
      "2026-04-02T08:00:00.000Z",
    ]);
    // The partner has seen page one; meanwhile the first referral changes (as the target's answer
    // would change it: its updated_at moves to now).
    await setTimes(expected[0] ?? "", { updatedAt: new Date().toISOString() });
    // An offset would now skip a referral; the key does not, and the change comes last.
    let rest: string[] = [];
    let token = first.page?.nextPageToken ?? "";
    while (token !== "") {
      const got = await list({ updatedSince: since, page: { pageSize: 2, pageToken: token } });
      rest = [...rest, ...got.referrals.map((r) => r.referralId)];
      token = got.page?.nextPageToken ?? "";
    }
    expect(rest).toEqual([...expected.slice(2), expected[0]]);
  });

  it("refuses a page token it did not give, or one from a list in another order", async () => {
    const bad = await failure(list({ page: { pageSize: 2, pageToken: "not-a-token" } }));
    expect(grpcCode(bad)).toBe("INVALID_ARGUMENT");
    expect(bad.metadata.get("kopru-invalid-fields").join()).toBe("page.page_token");
    const newestFirst = await list({ page: { pageSize: 2, pageToken: "" } });
    const token = newestFirst.page?.nextPageToken ?? "";
    expect(token).not.toBe("");
    const mixed = await failure(
      list({ updatedSince: new Date("2026-01-01T00:00:00Z"), page: { pageSize: 2, pageToken: token } }),
    );
    expect(grpcCode(mixed)).toBe("INVALID_ARGUMENT");
    expect(mixed.details).toContain("page.page_token");
  });
});
