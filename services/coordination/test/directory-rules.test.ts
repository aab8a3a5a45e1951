import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { ReRouteReason } from "@kopru/contracts/coordination/v1/tracking";
import { describe, expect, it } from "vitest";
import {
  accessFor,
  mayAddOrganisations,
  mayManageDirectoryOf,
  mayRequestReRoute,
  trackingScope,
} from "../src/domain/access.js";
import { isDirectoryId, slugCandidates, slugFromName } from "../src/domain/ids.js";
import { excludedOrganisations, reRouteRefusal } from "../src/domain/reroute.js";

describe("organisation ids from names", () => {
  it("transliterates Turkish letters into a lowercase slug", () => {
    expect(slugFromName("Gaziantep Büyükşehir Belediyesi — SGM")).toBe("gaziantep-buyuksehir-belediyesi-sgm");
    expect(slugFromName("Keçiören İlçe Göç Ofisi")).toBe("kecioren-ilce-goc-ofisi");
    expect(slugFromName("ŞANLIURFA")).toBe("sanliurfa");
  });

  it("gives up on names without usable letters, and keeps room for a suffix", () => {
    expect(slugFromName("—")).toBe("");
    expect(slugFromName("ا")).toBe("");
    const long = slugFromName("a".repeat(80));
    expect(long.length).toBeLessThanOrEqual(56);
    expect(slugCandidates(long, 3).every(isDirectoryId)).toBe(true);
    expect(slugCandidates("mmcc-adana", 3)).toEqual(["mmcc-adana", "mmcc-adana-2", "mmcc-adana-3"]);
  });
});

describe("access", () => {
  const access = (organisationId: string, ...roles: string[]) => accessFor(organisationId, roles);

  it("reads every role of the token, in any spelling", () => {
    expect(access("iom", "caseworker", "COORDINATOR")).toEqual({
      organisationId: "iom",
      coordinator: true,
      networkAdmin: false,
      supervisor: false,
    });
    expect(access("ngo-a", "network_admin", "supervisor")).toMatchObject({
      networkAdmin: true,
      supervisor: true,
      coordinator: false,
    });
    expect(access("ngo-a")).toMatchObject({ coordinator: false, networkAdmin: false, supervisor: false });
  });

  it("grants roles to staff users only: a partner system's token listing roles gets none", () => {
    expect(accessFor("iom", ["coordinator", "network-admin"], "partner-system")).toEqual({
      organisationId: "iom",
      coordinator: false,
      networkAdmin: false,
      supervisor: false,
    });
    expect(accessFor("iom", ["coordinator"], "staff").coordinator).toBe(true);
  });

  it("lets coordinators and network admins manage every entry, supervisors only their own organisation's", () => {
    expect(mayManageDirectoryOf(access("iom", "coordinator"), "mmcc-kilis")).toBe(true);
    expect(mayManageDirectoryOf(access("kopru", "network-admin"), "mmcc-kilis")).toBe(true);
    const supervisor = access("mmcc-adana", "caseworker", "supervisor");
    expect(mayManageDirectoryOf(supervisor, "mmcc-adana")).toBe(true);
    expect(mayManageDirectoryOf(supervisor, "mmcc-kilis")).toBe(false);
    expect(mayManageDirectoryOf(access("mmcc-adana", "caseworker"), "mmcc-adana")).toBe(false);
    expect(mayManageDirectoryOf(access("mmcc-adana"), "mmcc-adana")).toBe(false);
  });

  it("lets only coordinators and network admins add organisations", () => {
    expect(mayAddOrganisations(access("iom", "coordinator"))).toBe(true);
    expect(mayAddOrganisations(access("kopru", "network-admin"))).toBe(true);
    expect(mayAddOrganisations(access("mmcc-adana", "supervisor"))).toBe(false);
  });

  it("tracks the whole network and asks for re-routes only as a coordinator", () => {
    expect(trackingScope(access("iom", "caseworker", "coordinator"))).toBeUndefined();
    expect(mayRequestReRoute(access("iom", "coordinator"))).toBe(true);
    for (const other of [access("kopru", "network-admin"), access("ngo-a", "supervisor"), access("ngo-a")]) {
      expect(trackingScope(other)).toBe(other.organisationId);
      expect(mayRequestReRoute(other)).toBe(false);
    }
  });
});

describe("re-route rule", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  const past = new Date("2026-12-01T00:00:00Z");
  const future = new Date("2026-12-02T00:00:00Z");
  const S = ReferralStatus;
  const R = ReRouteReason;
  const candidate = (status: ReferralStatus, respondBy = past, offeringUnavailable = false) => ({
    status,
    respondBy,
    offeringUnavailable,
  });

  it("allows EXPIRED for an expired or overdue referral only", () => {
    expect(
      reRouteRefusal(candidate(S.REFERRAL_STATUS_EXPIRED), R.RE_ROUTE_REASON_EXPIRED, now),
    ).toBeUndefined();
    expect(
      reRouteRefusal(candidate(S.REFERRAL_STATUS_RECEIVED), R.RE_ROUTE_REASON_EXPIRED, now),
    ).toBeUndefined();
    expect(
      reRouteRefusal(candidate(S.REFERRAL_STATUS_RECEIVED, future), R.RE_ROUTE_REASON_EXPIRED, now),
    ).toMatch(/neither expired nor past/);
    expect(
      reRouteRefusal(candidate(S.REFERRAL_STATUS_ACCEPTED), R.RE_ROUTE_REASON_EXPIRED, now),
    ).toBeDefined();
  });

  it("allows DECLINED for a declined or not-completed referral", () => {
    expect(
      reRouteRefusal(candidate(S.REFERRAL_STATUS_DECLINED), R.RE_ROUTE_REASON_DECLINED, now),
    ).toBeUndefined();
    expect(
      reRouteRefusal(candidate(S.REFERRAL_STATUS_NOT_COMPLETED), R.RE_ROUTE_REASON_DECLINED, now),
    ).toBeUndefined();
    expect(
      reRouteRefusal(candidate(S.REFERRAL_STATUS_COMPLETED), R.RE_ROUTE_REASON_DECLINED, now),
    ).toBeDefined();
  });

  it("allows OFFERING_UNAVAILABLE for an open referral whose offering stopped taking referrals", () => {
    const reason = R.RE_ROUTE_REASON_OFFERING_UNAVAILABLE;
    expect(reRouteRefusal(candidate(S.REFERRAL_STATUS_ON_HOLD, future, true), reason, now)).toBeUndefined();
    expect(reRouteRefusal(candidate(S.REFERRAL_STATUS_ON_HOLD, future, false), reason, now)).toBeDefined();
    expect(reRouteRefusal(candidate(S.REFERRAL_STATUS_COMPLETED, future, true), reason, now)).toBeDefined();
  });

  it("never re-routes a cancelled or completed referral", () => {
    for (const reason of [R.RE_ROUTE_REASON_EXPIRED, R.RE_ROUTE_REASON_DECLINED]) {
      expect(reRouteRefusal(candidate(S.REFERRAL_STATUS_CANCELLED), reason, now)).toBeDefined();
    }
  });

  it("excludes the named organisations and every target tried in the chain, once each", () => {
    expect(excludedOrganisations(["ngo-x"], ["mmcc-adana", "mmcc-kilis", "mmcc-adana", ""])).toEqual([
      "mmcc-adana",
      "mmcc-kilis",
      "ngo-x",
    ]);
  });
});
