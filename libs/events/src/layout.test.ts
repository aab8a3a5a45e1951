import { findEventForSubject, validateLayout } from "@kopru/bus";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import { describe, expect, it } from "vitest";
import { EVENTS, NETWORK_LAYOUT, SUBJECTS } from "./layout.js";

describe("the network layout", () => {
  it("is valid: every subject carries one message type inside its stream", () => {
    expect(() => validateLayout(NETWORK_LAYOUT)).not.toThrow();
  });

  it("addresses status events to the referrer and the target", () => {
    const subject = EVENTS.referralStatusChanged.subject(
      ReferralStatusChanged.fromPartial({
        referrerOrganisationId: "ngo-hayat",
        targetOrganisationId: "mmcc-gaziantep",
      }),
    );
    expect(subject).toBe("kopru.v1.referral.status.ngo-hayat.mmcc-gaziantep");
    expect(findEventForSubject(NETWORK_LAYOUT, subject)?.type).toBe(
      "kopru.referral.v1.ReferralStatusChanged",
    );
  });

  it("carries personal data only on subjects addressed to a single organisation", () => {
    for (const event of NETWORK_LAYOUT.events.filter((e) => e.personalData)) {
      expect(event.subjectPattern.split(".").filter((t) => t === "*")).toHaveLength(1);
    }
    expect(EVENTS.referralStatusChanged.personalData).toBe(false);
  });

  it("refuses an addressee that is not a subject token", () => {
    expect(() =>
      EVENTS.referralStatusChanged.subject(
        ReferralStatusChanged.fromPartial({ referrerOrganisationId: "a.b", targetOrganisationId: "c" }),
      ),
    ).toThrow(/subject token/);
    expect(SUBJECTS.requestedFor("mmcc-kilis")).toBe("kopru.v1.referral.requested.mmcc-kilis");
  });
});
