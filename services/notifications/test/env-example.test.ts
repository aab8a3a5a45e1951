import { checkEnvExampleFile } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { notificationsEnv } from "../src/config.js";

describe(".env.example", () => {
  it("documents exactly the variables the notification service reads, with values its schema accepts", () => {
    expect(
      checkEnvExampleFile(notificationsEnv, new URL("../.env.example", import.meta.url), {
        allowExtra: ["KOPRU_CLOCK_OFFSET_FILE"],
      }),
    ).toEqual([]);
  });
});
