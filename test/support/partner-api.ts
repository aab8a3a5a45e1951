import { readFileSync } from "node:fs";
import type { paths } from "@kopru/contracts/openapi/partner-api";
import { PARTNER_API_AUDIENCE, type PartnerApiScope } from "@kopru/identity-client";
import createClient, { type Client } from "openapi-fetch";
import { Agent, fetch as undiciFetch } from "undici";
import { partnerSystem } from "./access.js";
import type { TestNetwork } from "./network.js";

// The partner API as a partner system calls it: the TypeScript client generated from the gateway's
// own OpenAPI document (openapi-typescript + openapi-fetch), over HTTPS to the network's CA, with a
// client-credentials token from the network's identity service. A route that answers differently
// from its document fails to type-check or to parse here, so the document is proven true.

export type PartnerApi = Client<paths>;

/** Fetch that trusts the test network's CA (the gateway's certificate is issued by it). */
export function trustingFetch(caFile: string): (input: Request) => Promise<Response> {
  const dispatcher = new Agent({ connect: { ca: readFileSync(caFile) } });
  return async (input: Request) => {
    const body = input.body ? Buffer.from(await input.arrayBuffer()) : undefined;
    return (await undiciFetch(input.url, {
      method: input.method,
      headers: [...input.headers.entries()],
      ...(body ? { body } : {}),
      dispatcher,
    })) as unknown as Response;
  };
}

export interface PartnerApiOptions {
  /** Only these scopes (a separately registered client); default every partner API scope. */
  scopes?: readonly PartnerApiScope[];
  /** Send this Authorization header value instead of a fresh token (`null`: none at all). */
  authorization?: string | null;
}

/** A partner system of `organisationId` calling the network's gateway. */
export function partnerApi(
  network: TestNetwork,
  organisationId: string,
  options: PartnerApiOptions = {},
): PartnerApi {
  const client = createClient<paths>({
    baseUrl: network.gatewayUrl(),
    fetch: trustingFetch(network.pki.caFile),
  });
  client.use({
    async onRequest({ request }) {
      if (options.authorization === null) return request;
      const value =
        options.authorization ??
        `Bearer ${
          options.scopes
            ? await (await network.identity.partnerWithScopes(organisationId, options.scopes)).token(
                PARTNER_API_AUDIENCE,
              )
            : await network.tokens(partnerSystem(organisationId), PARTNER_API_AUDIENCE)
        }`;
      request.headers.set("authorization", value);
      return request;
    },
  });
  return client;
}

/** A staff member's own token at the partner API (a first-party login: roles, no partner scopes). */
export function staffApi(
  network: TestNetwork,
  caller: { organisationId: string; actorId: string; roles?: readonly string[] },
): PartnerApi {
  const client = createClient<paths>({
    baseUrl: network.gatewayUrl(),
    fetch: trustingFetch(network.pki.caFile),
  });
  client.use({
    async onRequest({ request }) {
      request.headers.set("authorization", `Bearer ${await network.tokens(caller, PARTNER_API_AUDIENCE)}`);
      return request;
    },
  });
  return client;
}
