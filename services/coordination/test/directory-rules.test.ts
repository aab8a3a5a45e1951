import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { ReRouteReason } from "@kopru/contracts/coordination/v1/tracking";
import { describe, expect, it } from "vitest";
import { mayManageDirectoryOf, parseRole, trackingScope } from "../src/domain/access.js";
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
  it("reads roles as StaffRole names, in any spelling", () => {
    expect(parseRole("coordinator")).toEqual({ coordinator: true, admin: false });
    expect(parseRole("STAFF_ROLE_ADMIN")).toEqual({ coordinator: false, admin: true });
    expect(parseRole(undefined)).toEqual({ coordinator: false, admin: false });
  });

  it("lets coordinators manage every entry and admins only their own organisation's", () => {
    const admin = { organisationId: "mmcc-adana", coordinator: false, admin: true };
    expect(mayManageDirectoryOf(admin, "mmcc-adana")).toBe(true);
    expect(mayManageDirectoryOf(admin, "mmcc-kilis")).toBe(false);
    expect(
      mayManageDirectoryOf({ organisationId: "iom", coordinator: true, admin: false }, "mmcc-kilis"),
    ).toBe(true);
    expect(
      mayManageDirectoryOf({ organisationId: "mmcc-adana", coordinator: false, admin: false }, "mmcc-adana"),
    ).toBe(false);
  });

  it("limits tracking to the caller's organisation unless it is a coordinator", () => {
    expect(trackingScope({ organisationId: "iom", coordinator: true, admin: false })).toBeUndefined();
    expect(trackingScope({ organisationId: "ngo-a", coordinator: false, admin: true })).toBe("ngo-a");
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
