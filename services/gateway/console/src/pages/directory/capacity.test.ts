import { describe, expect, it } from "vitest";
import { capacityChoices, countsPlaces, mayManageOffering, places, takesReferrals } from "./capacity.js";

describe("who may change capacity", () => {
  const offering = { organisationId: "mmcc-gaziantep" };

  it("lets coordinators and network admins change any organisation's offerings", () => {
    expect(mayManageOffering({ organisationId: "coordination", roles: ["coordinator"] }, offering)).toBe(
      true,
    );
    expect(mayManageOffering({ organisationId: "coordination", roles: ["network-admin"] }, offering)).toBe(
      true,
    );
  });

  it("lets a supervisor change only their own organisation's offerings", () => {
    expect(mayManageOffering({ organisationId: "mmcc-gaziantep", roles: ["supervisor"] }, offering)).toBe(
      true,
    );
    expect(mayManageOffering({ organisationId: "ngo-hayat", roles: ["supervisor"] }, offering)).toBe(false);
  });

  it("does not let a caseworker change capacity", () => {
    expect(mayManageOffering({ organisationId: "mmcc-gaziantep", roles: ["caseworker"] }, offering)).toBe(
      false,
    );
  });
});

describe("capacity choices", () => {
  it("offers every other status for an offering set by hand", () => {
    expect(capacityChoices({ capacityStatus: "CAPACITY_STATUS_LIMITED" })).toEqual([
      "CAPACITY_STATUS_AVAILABLE",
      "CAPACITY_STATUS_WAITLIST",
      "CAPACITY_STATUS_FULL",
      "CAPACITY_STATUS_SUSPENDED",
    ]);
  });

  it("offers only suspending, or resuming, an offering that counts its places", () => {
    expect(capacityChoices({ capacityStatus: "CAPACITY_STATUS_FULL", totalPlaces: 20 })).toEqual([
      "CAPACITY_STATUS_SUSPENDED",
    ]);
    expect(capacityChoices({ capacityStatus: "CAPACITY_STATUS_SUSPENDED", totalPlaces: 0 })).toEqual([
      "CAPACITY_STATUS_AVAILABLE",
    ]);
  });

  it("reads places only when they are counted", () => {
    expect(countsPlaces({})).toBe(false);
    expect(places({})).toBeUndefined();
    expect(places({ totalPlaces: 20 })).toEqual({ free: 0, total: 20 });
    expect(places({ totalPlaces: 20, freePlaces: 3 })).toEqual({ free: 3, total: 20 });
  });

  it("knows which statuses still take referrals", () => {
    expect(takesReferrals("CAPACITY_STATUS_WAITLIST")).toBe(true);
    expect(takesReferrals("CAPACITY_STATUS_FULL")).toBe(false);
    expect(takesReferrals(undefined)).toBe(false);
  });
});
