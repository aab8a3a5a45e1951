import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CASEWORK_ERRORS } from "../libs/casework/src/index.js";
import { REFERRAL_ERRORS } from "../libs/referral/src/index.js";
import { undeclaredErrorCodes } from "../libs/service-kit/src/error-check.js";
import { ErrorCatalogue } from "../libs/service-kit/src/index.js";
import { spec as communityCentre } from "../services/community-centre/src/app.js";
import { coordinationSpec } from "../services/coordination/src/app.js";
import { spec as ecm } from "../services/ecm/src/app.js";
import { intakeService } from "../services/intake/src/app.js";
import { spec as municipality } from "../services/municipality/src/app.js";
import { spec as protection } from "../services/protection/src/app.js";

// Every error class a service can throw into its handlers has an entry in the catalogue the service
// hands to service-kit (an undeclared one would answer INTERNAL), and no catalogue declares a code
// twice (building one with a repeated code throws).

const dir = (path: string) => fileURLToPath(new URL(`../${path}/src`, import.meta.url));
const KIT = dir("libs/service-kit");
const REFERRAL = dir("libs/referral");
const CASEWORK = dir("libs/casework");

const services = [
  { name: "intake", errors: intakeService.errors, sources: [dir("services/intake"), REFERRAL, KIT] },
  { name: "coordination", errors: coordinationSpec().errors, sources: [dir("services/coordination"), KIT] },
  ...[
    { name: "ecm", spec: ecm },
    { name: "protection", spec: protection },
    { name: "community-centre", spec: communityCentre },
    { name: "municipality", spec: municipality },
  ].map(({ name, spec }) => ({
    name,
    errors: spec.errors,
    sources: [dir(`services/${name}`), CASEWORK, REFERRAL, KIT],
  })),
];

describe("error catalogues", () => {
  it.each(services)("$name declares every error its code and libraries throw", ({ errors, sources }) => {
    expect(undeclaredErrorCodes(errors, sources)).toEqual([]);
  });

  it("each library declares its own errors", () => {
    expect(undeclaredErrorCodes(new ErrorCatalogue(), [KIT])).toEqual([]);
    expect(undeclaredErrorCodes(new ErrorCatalogue(REFERRAL_ERRORS), [REFERRAL])).toEqual([]);
    expect(undeclaredErrorCodes(new ErrorCatalogue(CASEWORK_ERRORS), [CASEWORK])).toEqual([]);
  });

  it("gives every code one problem type of its own", () => {
    for (const { errors } of services) {
      const types = errors.codes.map((code) => errors.entry(code)?.type);
      expect(new Set(types).size).toBe(errors.codes.length);
      for (const code of errors.codes) expect(errors.entry(code)?.type).toBe(`/problems/${code}`);
    }
  });
});
