import { describe, expect, it } from "vitest";
import { mayOfferReRoute, overdueSeconds, reRouteReasons } from "./reroute.js";

describe("re-route reasons", () => {
  it("offers EXPIRED for an expired referral and one awaiting an answer past its deadline", () => {
    expect(reRouteReasons("REFERRAL_STATUS_EXPIRED", false)).toEqual([
      "RE_ROUTE_REASON_EXPIRED",
      "RE_ROUTE_REASON_OFFERING_UNAVAILABLE",
    ]);
    expect(reRouteReasons("REFERRAL_STATUS_RECEIVED", true)[0]).toBe("RE_ROUTE_REASON_EXPIRED");
    expect(reRouteReasons("REFERRAL_STATUS_RECEIVED", false)).toEqual([
      "RE_ROUTE_REASON_OFFERING_UNAVAILABLE",
    ]);
  });

  it("offers DECLINED only for declined or not completed referrals", () => {
    expect(reRouteReasons("REFERRAL_STATUS_DECLINED", false)).toEqual(["RE_ROUTE_REASON_DECLINED"]);
    expect(reRouteReasons("REFERRAL_STATUS_NOT_COMPLETED", false)).toEqual(["RE_ROUTE_REASON_DECLINED"]);
  });

  it("offers only OFFERING_UNAVAILABLE for an accepted referral past its follow-up deadline", () => {
    expect(reRouteReasons("REFERRAL_STATUS_ACCEPTED", false)).toEqual([
      "RE_ROUTE_REASON_OFFERING_UNAVAILABLE",
    ]);
  });

  it("offers nothing for a completed or cancelled referral", () => {
    expect(reRouteReasons("REFERRAL_STATUS_COMPLETED", true)).toEqual([]);
    expect(reRouteReasons("REFERRAL_STATUS_CANCELLED", true)).toEqual([]);
    expect(reRouteReasons(undefined, true)).toEqual([]);
  });

  it("does not offer a second request", () => {
    const referral = { status: "REFERRAL_STATUS_RECEIVED" as const };
    expect(mayOfferReRoute({ referral }, false)).toBe(true);
    expect(mayOfferReRoute({ referral, rerouteRequested: true }, false)).toBe(false);
  });

  it("reads overdue seconds from proto3 JSON", () => {
    expect(overdueSeconds({ overdueSeconds: "7200" })).toBe(7200);
    expect(overdueSeconds({})).toBe(0);
  });
});
