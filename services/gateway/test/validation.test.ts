import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { ProtoSchemas } from "../src/adapters/http/proto-schema.js";
import { invalidParams, validationProblem } from "../src/adapters/http/validation.js";

// A refused request names each field as the caller wrote it — nested rows with their index — and
// never echoes the value (which may be a person's name).

const schemas = new ProtoSchemas();
const body = schemas.body("kopru.gateway.v1.BatchCreateReferralsRequest", { required: ["referrals"] });

function errorsOf(value: unknown) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const schema of schemas.shared()) ajv.addSchema(schema);
  const validate = ajv.compile(body);
  expect(validate(value)).toBe(false);
  return validate.errors ?? [];
}

describe("invalid_params", () => {
  it("names a nested row's field with its index", () => {
    const errors = errorsOf({
      referrals: [
        { clientReference: "a", referral: { serviceType: "SERVICE_TYPE_MMCC_COUNSELLING" } },
        { clientReference: "b", referral: { serviceType: "NOPE" } },
      ],
    });
    const params = invalidParams(errors as never, "body");
    expect(params.map((p) => p.name)).toEqual(["referrals[1].referral.serviceType"]);
    expect(params[0]?.reason).toMatch(/^must be one of SERVICE_TYPE_/);
  });

  it("names a missing field, and an unknown one by its own name", () => {
    expect(invalidParams(errorsOf({}) as never, "body")).toEqual([
      { name: "referrals", reason: "is required" },
    ]);
    const unknown = invalidParams(
      errorsOf({ referrals: [{ clientReference: "a", referral: { givenNmae: "Ayşe" } }] }) as never,
      "body",
    );
    expect(unknown).toEqual([
      { name: "referrals[0].referral.givenNmae", reason: "is not a field of this request" },
    ]);
  });

  it("never carries the value it refused", () => {
    const params = invalidParams(
      errorsOf({
        referrals: [{ clientReference: 42, referral: { reasonForReferral: ["Ayşe Halabi"] } }],
      }) as never,
      "body",
    );
    expect(JSON.stringify(params)).not.toContain("Ayşe");
    expect(params.map((p) => p.name).sort()).toEqual([
      "referrals[0].clientReference",
      "referrals[0].referral.reasonForReferral",
    ]);
  });

  it("marks where outside the body a parameter was, and names the whole body when it is at fault", () => {
    expect(
      invalidParams(
        [{ instancePath: "/pageSize", keyword: "maximum", message: "must be <= 500", params: {} }],
        "querystring",
      ),
    ).toEqual([{ name: "querystring:pageSize", reason: "must be <= 500" }]);
    expect(
      invalidParams([{ instancePath: "", keyword: "type", message: "must be object", params: {} }], "body"),
    ).toEqual([{ name: "(body)", reason: "must be object" }]);
    expect(
      invalidParams(
        [{ instancePath: "/a~1b/c~0d", keyword: "type", message: "must be string", params: {} }],
        "body",
      ),
    ).toEqual([{ name: "a/b.c~d", reason: "must be string" }]);
  });

  it("keeps one reason per field", () => {
    const params = invalidParams(
      [
        { instancePath: "/x", keyword: "type", message: "must be string", params: {} },
        { instancePath: "/x", keyword: "maxLength", message: "too long", params: {} },
      ],
      "body",
    );
    expect(params).toEqual([{ name: "x", reason: "must be string" }]);
  });

  it("becomes a 400 problem listing the fields", () => {
    const error = Object.assign(new Error("bad"), {
      validation: [
        {
          instancePath: "/referrals",
          keyword: "minItems",
          message: "must NOT have fewer than 1 items",
          params: {},
        },
      ],
      validationContext: "body",
    });
    const { problem } = validationProblem(error as never);
    expect(problem).toMatchObject({ status: 400, code: "invalid_argument" });
    expect(problem.detail).toBe("the request is invalid: referrals");
  });
});
