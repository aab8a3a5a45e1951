import { checkEnvExampleFile } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { coordinationEnv } from "../src/config.js";

describe(".env.example", () => {
  it("documents exactly the variables coordination reads, with values its schema accepts", () => {
    expect(
      checkEnvExampleFile(coordinationEnv, new URL("../.env.example", import.meta.url), {
        allowExtra: ["KOPRU_CLOCK_OFFSET_FILE"],
      }),
    ).toEqual([]);
  });
});
