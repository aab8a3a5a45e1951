import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { addressRefusal, isAllowedAddress } from "../../domain/webhooks.js";

/** Every address a host name resolves to. */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Longest a lookup may take: a name that answers slowly is refused rather than holding the request. */
const LOOKUP_TIMEOUT_MS = 5_000;

export const systemResolver: Resolver = (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    lookup(hostname, { all: true, verbatim: true }),
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error("lookup timed out")), LOOKUP_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
};

/** Why a webhook URL is refused; the message names the rule and never echoes credentials. */
export class WebhookUrlRefusedError extends Error {
  override readonly name = "WebhookUrlRefusedError";
}

/** Where one delivery goes: the URL, and the address it was checked at, which is the one used. */
export interface PinnedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * Checks a webhook URL and resolves it, at registration and again before every delivery (DNS may
 * change in between: a name that was public may now point inside the network). Every address the
 * name resolves to must be public, or listed by an administrator; the delivery then connects to
 * the first of them only, so a second lookup cannot swap in another address (DNS rebinding).
 * HTTPS is required unless every address is an allowed one (a receiver inside the network).
 */
export async function resolveWebhookUrl(
  raw: string,
  allowed: readonly string[],
  resolve: Resolver = systemResolver,
): Promise<PinnedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefusedError("not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new WebhookUrlRefusedError("only https URLs are accepted");
  if (url.username || url.password)
    throw new WebhookUrlRefusedError("a URL with credentials in it is not accepted");
  if (raw.length > 2000) throw new WebhookUrlRefusedError("longer than 2000 characters");
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: { address: string; family: number }[];
  if (isIP(hostname)) addresses = [{ address: hostname, family: isIP(hostname) }];
  else {
    try {
      addresses = await resolve(hostname);
    } catch {
      throw new WebhookUrlRefusedError(`the host ${hostname} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new WebhookUrlRefusedError(`the host ${hostname} does not resolve`);
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, allowed);
    if (refusal) throw new WebhookUrlRefusedError(`${hostname} is not reachable from here: ${refusal}`);
  }
  if (url.protocol === "http:" && !addresses.every(({ address }) => isAllowedAddress(address, allowed)))
    throw new WebhookUrlRefusedError("only https URLs are accepted");
  const first = addresses[0] as { address: string; family: number };
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
