import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { ClosedConnectionError, NoRespondersError, RequestError, TimeoutError } from "@nats-io/nats-core";
import { describe, expect, it } from "vitest";
import { isTransientBrokerError, untilBrokerAnswers } from "./provision.js";

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
