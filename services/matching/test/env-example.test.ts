import { checkEnvExampleFile } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { matchingEnv } from "../src/config.js";

describe(".env.example", () => {
  it("documents exactly the variables the matching service reads, with values its schema accepts", () => {
    expect(checkEnvExampleFile(matchingEnv, new URL("../.env.example", import.meta.url))).toEqual([]);
  });
});
