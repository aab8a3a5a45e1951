import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { Webhook } from "standardwebhooks";
import type { PinnedTarget } from "./url-guard.js";

/** What one attempt got: the endpoint's status, or why there was none. Never the response body. */
export type AttemptResult = { ok: boolean; status: number; error?: string };

/**
 * The `webhook-signature` header (Standard Webhooks 1.0): one `v1,<base64>` per secret, space
 * separated. During a rotation's overlap both the new and the previous secret sign, so a receiver
 * verifies with whichever it has.
 */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: Date,
  body: string,
): string {
  return secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(" ");
}

export interface Delivery {
  id: string;
  timestamp: Date;
  body: string;
  secrets: readonly string[];
}

const USER_AGENT = "Kopru-Webhooks/1.0 (+https://kopru.example/docs/webhooks)";

/**
 * POSTs one delivery to the pinned address (the host name still names the TLS server and the Host
 * header), waits at most `timeoutMs` for the whole exchange and follows no redirect: a 3xx is a
 * failed attempt, like any answer but 2xx.
 */
export function sendWebhook(
  target: PinnedTarget,
  delivery: Delivery,
  timeoutMs: number,
): Promise<AttemptResult> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === "https:" ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = client.request(
      target.url,
      {
        method: "POST",
        lookup: pinned,
        agent: false,
        headers: {
          "content-type": "application/json",
          "user-agent": USER_AGENT,
          "webhook-id": delivery.id,
          "webhook-timestamp": String(Math.floor(delivery.timestamp.getTime() / 1000)),
          "webhook-signature": signatureHeader(
            delivery.secrets,
            delivery.id,
            delivery.timestamp,
            delivery.body,
          ),
          "content-length": Buffer.byteLength(delivery.body),
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        // The body is read and dropped: it is the partner's, and may say anything.
        response.resume();
        response.on("end", () =>
          finish(
            status >= 200 && status < 300
              ? { ok: true, status }
              : {
                  ok: false,
                  status,
                  error:
                    status >= 300 && status < 400
                      ? `HTTP ${status} (redirects are not followed)`
                      : `HTTP ${status}`,
                },
          ),
        );
        response.on("error", () => finish({ ok: false, status, error: "the response broke off" }));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, status: 0, error: `no answer within ${timeoutMs} ms` });
      request.destroy();
    }, timeoutMs);
    request.on("error", (error: NodeJS.ErrnoException) =>
      finish({ ok: false, status: 0, error: connectionError(error) }),
    );
    request.end(delivery.body);
  });
}

/** A connection failure as a short reason: its code, never a message that may quote the peer. */
function connectionError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? error.name;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "ETIMEDOUT":
      return "connection timed out";
    default:
      return code.startsWith("ERR_TLS") || code.includes("CERT") ? `TLS: ${code}` : `network: ${code}`;
  }
}
