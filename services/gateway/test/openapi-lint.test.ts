import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";

// The partner API's OpenAPI document, as committed (generated from the routes by
// `pnpm contracts:generate`), linted with Redocly's recommended rules: partners generate clients
// from it, so it must be valid and complete.

const require = createRequire(import.meta.url);
const path = require.resolve("@kopru/contracts/openapi/partner-api.json");

/** Warnings allowed, each with its reason; every error and any other warning fails. */
const ALLOWED_WARNINGS: Record<string, string> = {
  "info-license": "the API is not offered for reuse; partners sign a data-sharing agreement instead",
};

describe("the partner API's OpenAPI document", () => {
  it("passes Redocly's recommended rules without errors", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: readFileSync(path, "utf8"), absoluteRef: path, config });
    const show = (p: (typeof problems)[number]) =>
      `${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`;
    const errors = problems.filter((p) => p.severity === "error");
    expect(errors.map(show)).toEqual([]);
    const warnings = problems.filter((p) => p.severity === "warn" && !(p.ruleId in ALLOWED_WARNINGS));
    expect(warnings.map(show)).toEqual([]);
  });

  it("is linted for real: a document without info or responses fails", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const broken = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    delete broken.info;
    const problems = await lintFromString({ source: JSON.stringify(broken), absoluteRef: path, config });
    expect(problems.some((p) => p.severity === "error")).toBe(true);
  });
});
