import { MatchKeyKind as K } from "@kopru/contracts/matching/v1/matching";
import { InvalidArgumentError, PermissionDeniedError } from "@kopru/service-kit";
import { describe, expect, it } from "vitest";
import { tellableMatches } from "../src/domain/matches.js";
import { actingOrganisation } from "../src/domain/organisation.js";

describe("tellable matches", () => {
  it("tell one match per organisation, its strongest, and never a weak one", () => {
    const told = tellableMatches([
      {
        organisationId: "ngo-a",
        recordRef: "a2",
        kinds: [K.MATCH_KEY_KIND_PHONE, K.MATCH_KEY_KIND_PHONE_YEAR],
      },
      { organisationId: "ngo-a", recordRef: "a1", kinds: [K.MATCH_KEY_KIND_DOCUMENT] },
      { organisationId: "ngo-b", recordRef: "b1", kinds: [K.MATCH_KEY_KIND_PHONE] },
      { organisationId: "ngo-c", recordRef: "c1", kinds: [K.MATCH_KEY_KIND_NAME_VARIANT_YEAR] },
    ]);
    expect(told).toEqual([
      { organisationId: "ngo-a", recordRef: "a1", strength: "strong", kinds: [K.MATCH_KEY_KIND_DOCUMENT] },
      {
        organisationId: "ngo-c",
        recordRef: "c1",
        strength: "medium",
        kinds: [K.MATCH_KEY_KIND_NAME_VARIANT_YEAR],
      },
    ]);
  });

  it("ignore kinds they do not know", () => {
    expect(
      tellableMatches([
        { organisationId: "x", recordRef: "r", kinds: [K.MATCH_KEY_KIND_UNSPECIFIED, 99 as K] },
      ]),
    ).toEqual([]);
  });
});

describe("the acting organisation", () => {
  const registrars = ["service-intake"];
  it("is the token's for staff and partner systems, who may not name another", () => {
    const partner = { kind: "partner-system" as const, organisationId: "ngo-a", clientId: "partner-ngo-a" };
    expect(actingOrganisation(partner, "", registrars)).toBe("ngo-a");
    expect(actingOrganisation(partner, "ngo-a", registrars)).toBe("ngo-a");
    expect(() => actingOrganisation(partner, "ngo-b", registrars)).toThrow(PermissionDeniedError);
  });

  it("is the named one for a registrar service, and nothing for any other service", () => {
    const intake = { kind: "service" as const, organisationId: undefined, clientId: "service-intake" };
    expect(actingOrganisation(intake, "ngo-b", registrars)).toBe("ngo-b");
    const gateway = { kind: "service" as const, organisationId: undefined, clientId: "service-gateway" };
    expect(() => actingOrganisation(gateway, "ngo-b", registrars)).toThrow(PermissionDeniedError);
  });

  it("refuses a name that no organisation can have, naming the field, whoever names it", () => {
    const callers = [
      { kind: "service" as const, organisationId: undefined, clientId: "service-intake" },
      { kind: "service" as const, organisationId: undefined, clientId: "service-gateway" },
      { kind: "partner-system" as const, organisationId: "ngo-a", clientId: "partner-ngo-a" },
      { kind: "staff" as const, organisationId: "ngo-a", clientId: "kopru-console" },
    ];
    const names = [
      "a".repeat(64),
      "a".repeat(5_000),
      "Ngo B",
      "'; DROP TABLE match_records; --",
      "<b>ngo</b>",
    ];
    for (const caller of callers) {
      for (const name of names) {
        expect(() => actingOrganisation(caller, name, registrars)).toThrow(InvalidArgumentError);
        expect(() => actingOrganisation(caller, name, registrars)).toThrow(/^organisation_id: /);
      }
    }
  });
});
