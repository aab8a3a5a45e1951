import * as oauth from "oauth4webapi";
import { DiscoveryError, RateLimitedError } from "./errors.js";

export interface IssuerOptions {
  /** The issuer URL, e.g. `https://127.0.0.1:7443`; its discovery document is read from it. */
  issuer: string;
  /**
   * PEM of the CA that signed an https issuer's certificate (the launcher's local CA). Without it
   * the system trust store is used, plus NODE_EXTRA_CA_CERTS.
   */
  ca?: string | Buffer;
}

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface IssuerContext {
  as: oauth.AuthorizationServer;
  fetch: Fetch;
  /** Options for every oauth4webapi request: the fetch, and plain http only for an http issuer. */
  requestOptions: { [oauth.customFetch]: Fetch; [oauth.allowInsecureRequests]: boolean };
}

export function makeFetch(ca: string | Buffer | undefined): Fetch {
  if (!ca) return (url, init) => fetch(url, init);
  // undici (about 20 MB once loaded) only where a CA of its own is given: the services trust the
  // issuer through NODE_EXTRA_CA_CERTS and Node's own fetch, and import this package too.
  let withCa: Promise<Fetch> | undefined;
  return async (url, init) => {
    withCa ??= import("undici").then(({ Agent, fetch: undiciFetch }) => {
      const dispatcher = new Agent({ connect: { ca } });
      return (u: string, i?: RequestInit) =>
        undiciFetch(u, { ...(i as object), dispatcher } as never) as unknown as Promise<Response>;
    });
    return (await withCa)(url, init);
  };
}

const contexts = new Map<string, Promise<IssuerContext>>();

/** Reads `<issuer>/.well-known/openid-configuration` once per issuer (and CA) per process. */
export function discover(options: IssuerOptions): Promise<IssuerContext> {
  const key = `${options.issuer}\n${options.ca?.toString() ?? ""}`;
  let context = contexts.get(key);
  if (!context) {
    context = load(options);
    contexts.set(key, context);
    context.catch(() => contexts.delete(key));
  }
  return context;
}

async function load(options: IssuerOptions): Promise<IssuerContext> {
  const issuer = new URL(options.issuer);
  const fetchFn = makeFetch(options.ca);
  const requestOptions = {
    [oauth.customFetch]: fetchFn,
    [oauth.allowInsecureRequests]: issuer.protocol === "http:",
  };
  try {
    const response = await oauth.discoveryRequest(issuer, { ...requestOptions, algorithm: "oidc" });
    const as = await oauth.processDiscoveryResponse(issuer, response);
    return { as, fetch: fetchFn, requestOptions };
  } catch (error) {
    throw new DiscoveryError(`could not read the discovery document of ${options.issuer}`, { cause: error });
  }
}

/** A 429 from the issuer becomes a `RateLimitedError` carrying its Retry-After. */
export function throwIfRateLimited(response: Response, what: string): void {
  if (response.status !== 429) return;
  const retryAfter = Number(response.headers.get("retry-after"));
  throw new RateLimitedError(
    `${what}: the issuer is rate limiting this address`,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}
