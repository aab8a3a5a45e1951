import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { ClosedConnectionError, NoRespondersError, RequestError, TimeoutError } from "@nats-io/nats-core";
import { describe, expect, it } from "vitest";
import type { BusLayout } from "./layout.js";
import { isTransientBrokerError, provisionStreams, streamConfig, untilBrokerAnswers } from "./provision.js";

const apiError = (code: number, err_code: number, description: string) =>
  new JetStreamApiError({ code, err_code, description });

describe("isTransientBrokerError", () => {
  it("says 'not now' for timeouts, no responders (also wrapped) and 503", () => {
    expect(isTransientBrokerError(new TimeoutError())).toBe(true);
    expect(
      isTransientBrokerError(
        new RequestError("no responders", { cause: new NoRespondersError("$JS.API.INFO") }),
      ),
    ).toBe(true);
    expect(isTransientBrokerError(new Error("jetstream is not enabled", { cause: new TimeoutError() }))).toBe(
      true,
    );
    expect(isTransientBrokerError(apiError(503, 10008, "JetStream system temporarily unavailable"))).toBe(
      true,
    );
  });

  it("says 'no' for refusals and anything else", () => {
    expect(isTransientBrokerError(apiError(400, 10065, "subjects overlap with an existing stream"))).toBe(
      false,
    );
    expect(isTransientBrokerError(apiError(404, JetStreamApiCodes.StreamNotFound, "stream not found"))).toBe(
      false,
    );
    expect(isTransientBrokerError(new ClosedConnectionError())).toBe(false);
    expect(isTransientBrokerError(new Error("boom"))).toBe(false);
    expect(isTransientBrokerError("timeout")).toBe(false);
  });
});

describe("untilBrokerAnswers", () => {
  it("tries a transient failure again and returns the answer; a refusal is thrown at once", async () => {
    const warnings: string[] = [];
    const logger = {
      info: () => {},
      error: () => {},
      warn: (_: object, msg?: string) => warnings.push(msg ?? ""),
    };
    let calls = 0;
    const answer = await untilBrokerAnswers(
      "stream S",
      async () => {
        calls += 1;
        if (calls < 3) throw new TimeoutError();
        return "ok";
      },
      { logger, minDelayMs: 1, maxDelayMs: 2 },
    );
    expect(answer).toBe("ok");
    expect(calls).toBe(3);
    expect(warnings).toEqual([
      "stream S: the broker did not answer; trying again",
      "stream S: the broker did not answer; trying again",
    ]);

    let refused = 0;
    const refusal = apiError(400, 10065, "subjects overlap with an existing stream");
    await expect(
      untilBrokerAnswers(
        "stream T",
        async () => {
          refused += 1;
          throw refusal;
        },
        { logger, minDelayMs: 1 },
      ),
    ).rejects.toBe(refusal);
    expect(refused).toBe(1);
  });
});

describe("provisionStreams", () => {
  it("brings a stream's settings up to date without changing the replica count the admin gave it", async () => {
    const stream = { name: "S", subjects: ["s.>"], maxAgeMs: 60_000, duplicateWindowMs: 1_000 };
    const layout: BusLayout = {
      streams: [stream],
      events: [],
      deadLetterStream: { name: "DLQ", subjects: ["dlq.>"], maxAgeMs: 60_000, duplicateWindowMs: 1_000 },
    };
    const current = new Map(
      [stream, layout.deadLetterStream].map((d) => [d.name, { ...streamConfig(d), num_replicas: 3 }]),
    );
    (current.get("S") as { max_age: number }).max_age = 1;
    const updates: { name: string; num_replicas?: number }[] = [];
    const jsm = {
      streams: {
        info: async (name: string) => ({ config: current.get(name) }),
        add: async () => {
          throw new Error("every stream exists");
        },
        update: async (name: string, config: { num_replicas?: number }) => {
          updates.push({ name, num_replicas: config.num_replicas });
          return { config };
        },
      },
    };
    await provisionStreams(jsm as never, layout);
    expect(updates).toEqual([{ name: "S", num_replicas: 3 }]);
  });
});
