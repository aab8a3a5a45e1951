import { checkEnvExampleFile } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { gatewayEnv } from "../src/config.js";

describe(".env.example", () => {
  it("documents exactly the variables the gateway reads, with values its schema accepts", () => {
    expect(
      checkEnvExampleFile(gatewayEnv, new URL("../.env.example", import.meta.url), {
        allowExtra: ["KOPRU_CLOCK_OFFSET_FILE"],
      }),
    ).toEqual([]);
  });
});
