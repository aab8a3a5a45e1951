import { describe, expect, it } from "vitest";
import { z } from "zod";
import { commonServiceEnv } from "./common.js";
import { boolean, csv, duration, nonEmptyString, port, url } from "./fields.js";
import { ConfigError, EX_CONFIG, exitOnConfigError, loadConfig } from "./load.js";

const serviceEnv = commonServiceEnv.extend({
  GRPC_PORT: port(),
  OUTBOX_RETENTION: duration().default(14 * 86_400_000),
  FEATURE_WEBHOOKS: boolean().default(false),
  PARTNER_IDS: csv().default([]),
  WEBHOOK_SIGNING_SECRET: nonEmptyString(),
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the common defaults and parses the service's own variables", () => {
    const config = loadConfig(serviceEnv, { GRPC_PORT: "50051", WEBHOOK_SIGNING_SECRET: "s3cr3t" });
    expect(config).toEqual({
      NATS_URL: ["nats://127.0.0.1:4222"],
      DATABASE_URL: undefined,
      DATA_DIR: ".data",
      LOG_LEVEL: "info",
      GRPC_HOST: "127.0.0.1",
      GRPC_MAX_CALLS_IN_FLIGHT: 64,
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      GRPC_PORT: 50051,
      OUTBOX_RETENTION: 1_209_600_000,
      FEATURE_WEBHOOKS: false,
      PARTNER_IDS: [],
      WEBHOOK_SIGNING_SECRET: "s3cr3t",
    });
  });

  it("reports every missing or malformed variable at once, by name", () => {
    const error = configError(() =>
      loadConfig(serviceEnv, {
        GRPC_PORT: "abc",
        NATS_URL: "http://localhost:4222",
        LOG_LEVEL: "loud",
        FEATURE_WEBHOOKS: "maybe",
        OUTBOX_RETENTION: "2 weeks",
      }),
    );
    expect(error.issues).toEqual([
      {
        variable: "NATS_URL",
        message:
          'expected a comma-separated list; item 1: expected a nats:// or tls:// URL, got "http://localhost:4222"',
      },
      {
        variable: "LOG_LEVEL",
        message: 'expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      },
      { variable: "GRPC_PORT", message: 'expected an integer between 1 and 65535, got "abc"' },
      {
        variable: "OUTBOX_RETENTION",
        message: 'expected a duration such as "30s", "5m", "24h", "14d" or whole milliseconds, got "2 weeks"',
      },
      { variable: "FEATURE_WEBHOOKS", message: 'expected true, false, 1 or 0, got "maybe"' },
      { variable: "WEBHOOK_SIGNING_SECRET", message: "required" },
    ]);
    expect(error.message).toContain("6 variables are missing or invalid");
    expect(error.message).toContain('  GRPC_PORT: expected an integer between 1 and 65535, got "abc"');
    expect(error.message).toContain("  WEBHOOK_SIGNING_SECRET: required");
  });

  it("treats blank values as unset", () => {
    const config = loadConfig(serviceEnv, {
      GRPC_PORT: "1",
      WEBHOOK_SIGNING_SECRET: "x",
      LOG_LEVEL: "  ",
      DATABASE_URL: "",
    });
    expect(config.LOG_LEVEL).toBe("info");
    expect(config.DATABASE_URL).toBeUndefined();
    expect(
      configError(() => loadConfig(serviceEnv, { GRPC_PORT: "", WEBHOOK_SIGNING_SECRET: "x" })).issues,
    ).toEqual([{ variable: "GRPC_PORT", message: "required" }]);
  });

  it("never echoes the values of secret variables or URL passwords", () => {
    const schema = z.object({
      API_TOKEN: port(),
      DB_PASSWORD: port(),
      SIGNING_KEY: port(),
      CLIENT_SECRET: port(),
      DATABASE_URL: url({ protocols: ["postgres"] }),
    });
    const error = configError(() =>
      loadConfig(schema, {
        API_TOKEN: "tok-123456",
        DB_PASSWORD: "hunter2",
        SIGNING_KEY: "k-987654",
        CLIENT_SECRET: "cs-555",
        DATABASE_URL: "mysql://app:pa55word@db:3306/kopru",
      }),
    );
    for (const secret of ["tok-123456", "hunter2", "k-987654", "cs-555", "pa55word"]) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.issues)).not.toContain(secret);
    }
    expect(error.message).toContain(
      "API_TOKEN: expected an integer between 1 and 65535, (value hidden: secret)",
    );
    expect(error.message).toContain(
      'DATABASE_URL: expected a postgres:// URL, got "mysql://app:***@db:3306/kopru"',
    );
  });

  it("takes NATS_URL as one server or a cluster's seed servers separated by commas", () => {
    const cluster = loadConfig(serviceEnv, {
      GRPC_PORT: "50051",
      WEBHOOK_SIGNING_SECRET: "s3cr3t",
      NATS_URL: "nats://127.0.0.1:4222, tls://nats-1.kopru.internal:4222",
    });
    expect(cluster.NATS_URL).toEqual(["nats://127.0.0.1:4222", "tls://nats-1.kopru.internal:4222"]);
  });

  it("keeps the URL exactly as written", () => {
    const schema = z.object({ DATABASE_URL: url({ protocols: ["postgres", "postgresql:"] }) });
    const raw = "postgresql://app:p%40ss@db.internal:5432/referrals?sslmode=require";
    expect(loadConfig(schema, { DATABASE_URL: raw }).DATABASE_URL).toBe(raw);
  });
});

describe("field parsing", () => {
  const parse = <T>(field: z.ZodType<T, string>, raw: string) =>
    loadConfig(z.object({ X: field }), { X: raw }).X;

  it.each([
    ["250ms", 250],
    ["30s", 30_000],
    ["5m", 300_000],
    ["24h", 86_400_000],
    ["14d", 1_209_600_000],
    ["1500", 1_500],
    [" 2H ", 7_200_000],
  ])("duration %j is %d ms", (raw, ms) => {
    expect(parse(duration(), raw)).toBe(ms);
  });

  it.each(["-5s", "1.5h", "5 minutes", "s", "3w", "10 s s"])("duration %j is rejected", (raw) => {
    expect(() => parse(duration(), raw)).toThrow(ConfigError);
  });

  it.each([
    ["true", true],
    ["TRUE", true],
    ["1", true],
    ["false", false],
    ["0", false],
    ["False", false],
  ])("boolean %j is %s", (raw, value) => {
    expect(parse(boolean(), raw)).toBe(value);
  });

  it.each(["yes", "no", "on", "2"])("boolean %j is rejected rather than taken as false", (raw) => {
    expect(() => parse(boolean(), raw)).toThrow(ConfigError);
  });

  it("splits csv lists, trimming and dropping blanks", () => {
    expect(parse(csv(), " a, b ,,c ,")).toEqual(["a", "b", "c"]);
  });

  it("validates each csv item with the given field", () => {
    expect(parse(csv(port()), "4222, 4223")).toEqual([4222, 4223]);
    const error = configError(() => parse(csv(url({ protocols: ["nats"] })), "nats://a:4222,http://b"));
    expect(error.issues[0]?.message).toBe(
      'expected a comma-separated list; item 2: expected a nats:// URL, got "nats://a:4222,http://b"',
    );
  });

  it("accepts port 0 only when asked to", () => {
    expect(() => parse(port(), "0")).toThrow(ConfigError);
    expect(parse(port({ allowEphemeral: true }), "0")).toBe(0);
    expect(() => parse(port(), "65536")).toThrow(ConfigError);
  });
});

describe("exitOnConfigError", () => {
  function io() {
    const written: string[] = [];
    const codes: number[] = [];
    return {
      written,
      codes,
      stderr: { write: (text: string) => written.push(text) },
      exit: ((code: number) => {
        codes.push(code);
        throw new Error("exit");
      }) as (code: number) => never,
    };
  }

  it("prints the problems without a stack trace and exits with EX_CONFIG", () => {
    const streams = io();
    expect(() => exitOnConfigError(() => loadConfig(serviceEnv, {}), streams)).toThrow("exit");
    expect(streams.codes).toEqual([EX_CONFIG]);
    expect(EX_CONFIG).toBe(78);
    const output = streams.written.join("");
    expect(output).toContain("GRPC_PORT: required");
    expect(output).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("handles async main functions", async () => {
    const streams = io();
    await expect(
      exitOnConfigError(async () => {
        await Promise.resolve();
        return loadConfig(serviceEnv, {});
      }, streams),
    ).rejects.toThrow("exit");
    expect(streams.codes).toEqual([EX_CONFIG]);
  });

  it("returns the value and lets other errors through", () => {
    const streams = io();
    expect(exitOnConfigError(() => 42, streams)).toBe(42);
    expect(() =>
      exitOnConfigError(() => {
        throw new TypeError("bug");
      }, streams),
    ).toThrow(TypeError);
    expect(streams.codes).toEqual([]);
  });
});
