import { readFileSync } from "node:fs";
import { request } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";

/** The identity service did not answer its health check in time. */
export class IdentityNotReadyError extends Error {
  override readonly name = "IdentityNotReadyError";
}

function healthz(issuer: string, ca: Buffer): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(new URL("/healthz", issuer), { ca, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    req.on("error", () => resolve(undefined));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/**
 * Resolves once the identity service answers `GET /healthz` with 200 over HTTPS, trusting only the
 * local CA (the same check a service's first JWKS fetch makes).
 */
export async function waitUntilIdentityServes(
  issuer: string,
  caFile: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const ca = readFileSync(caFile);
  const deadline = Date.now() + options.timeoutMs;
  let last: number | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    last = await healthz(issuer, ca);
    if (last === 200) return;
    if (Date.now() > deadline) {
      throw new IdentityNotReadyError(
        `identity at ${issuer} did not answer /healthz within ${options.timeoutMs / 1000} s (last: ${last ?? "no answer"})`,
      );
    }
    await sleep(200, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
