import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { ProblemError } from "../src/adapters/http/problems.js";
import { etagOf, expectedSequence, requestIdOf } from "../src/adapters/http/routes/support.js";

const withHeaders = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;

function problemOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemError);
    return (error as ProblemError).problem;
  }
  throw new Error("expected a problem");
}

describe("If-Match", () => {
  it("reads the sequence from the ETag the API gave, strong or weak, with spaces around", () => {
    expect(expectedSequence(withHeaders({ "if-match": '"4"' }))).toBe(4);
    expect(expectedSequence(withHeaders({ "if-match": ' W/"17" ' }))).toBe(17);
    expect(expectedSequence(withHeaders({ "if-match": etagOf(123456789012345) }))).toBe(123456789012345);
  });

  it("is required (428)", () => {
    expect(problemOf(() => expectedSequence(withHeaders({})))).toMatchObject({
      status: 428,
      code: "precondition_required",
    });
  });

  it("refuses anything but one ETag (400 naming If-Match)", () => {
    for (const value of ["4", '"4", "5"', "*", '"-1"', '"abc"', '"1234567890123456"', '""']) {
      const problem = problemOf(() => expectedSequence(withHeaders({ "if-match": value })));
      expect(problem, value).toMatchObject({ status: 400, invalid_params: [{ name: "If-Match" }] });
    }
  });
});

describe("request ids", () => {
  const claimed = (key: string, caller = "org/partner") =>
    ({ idempotency: { caller, key } }) as unknown as FastifyRequest;

  it("derive one UUID per caller, key and row, so a retry has one effect", () => {
    const id = requestIdOf(claimed("k1"), "row-1");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(requestIdOf(claimed("k1"), "row-1")).toBe(id);
    expect(requestIdOf(claimed("k1"), "row-2")).not.toBe(id);
    expect(requestIdOf(claimed("k2"), "row-1")).not.toBe(id);
    expect(requestIdOf(claimed("k1", "other/partner"), "row-1")).not.toBe(id);
  });

  it("are random without a key", () => {
    const request = { idempotency: undefined } as unknown as FastifyRequest;
    expect(requestIdOf(request)).not.toBe(requestIdOf(request));
  });
});
