import { describe, expect, it } from "vitest";
import { commonServiceEnv } from "./common.js";
import { checkEnvExample } from "./env-example.js";
import { duration, nonEmptyString, port } from "./fields.js";

const schema = commonServiceEnv.extend({
  GRPC_PORT: port().default(50051),
  SIGNING_KEY: nonEmptyString(),
  RETENTION: duration().optional(),
});

const goodExample = `
# Köprü referrals service
NATS_URL=nats://127.0.0.1:4222
# Unset: embedded PGlite under DATA_DIR.
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/referrals
DATA_DIR=.data
LOG_LEVEL=info   # fatal..trace, silent
GRPC_HOST="127.0.0.1"
# GRPC_MAX_CALLS_IN_FLIGHT=64
# OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318
export GRPC_PORT=50051
SIGNING_KEY='change-me'
# RETENTION=14d
`;

describe("checkEnvExample", () => {
  it("accepts an example that documents every variable with valid values", () => {
    expect(checkEnvExample(schema, goodExample)).toEqual([]);
  });

  it("catches a variable the schema reads but the example does not document", () => {
    const example = goodExample.replace("# RETENTION=14d\n", "");
    expect(checkEnvExample(schema, example)).toEqual([
      "RETENTION: in the schema but not documented in .env.example",
    ]);
  });

  it("catches documented variables the schema does not know, unless allowed", () => {
    const example = `${goodExample}LEGACY_FLAG=1\n# NODE_OPTIONS=--import @kopru/observability/register\n`;
    expect(checkEnvExample(schema, example)).toEqual([
      "LEGACY_FLAG: in .env.example but not in the schema (line 14)",
      "NODE_OPTIONS: in .env.example but not in the schema (line 15)",
    ]);
    expect(checkEnvExample(schema, example, { allowExtra: ["LEGACY_FLAG", "NODE_OPTIONS"] })).toEqual([]);
  });

  it("checks the example values, commented ones too", () => {
    const example = goodExample
      .replace("GRPC_PORT=50051", "GRPC_PORT=fifty")
      .replace("# RETENTION=14d", "# RETENTION=two weeks")
      .replace("SIGNING_KEY='change-me'", "SIGNING_KEY=");
    expect(checkEnvExample(schema, example)).toEqual([
      'RETENTION: expected a duration such as "30s", "5m", "24h", "14d" or whole milliseconds, got "two weeks" (commented example, line 13)',
      'GRPC_PORT: expected an integer between 1 and 65535, got "fifty" (example value)',
      "SIGNING_KEY: required (the example must set it)",
    ]);
  });

  it("reports a variable documented twice", () => {
    expect(checkEnvExample(schema, `${goodExample}DATA_DIR=/var/lib/kopru\n`)).toEqual([
      "DATA_DIR: documented more than once (line 14)",
    ]);
  });
});
