import { freePort } from "@kopru/nats-server";

export { freePort, isPortOpen } from "@kopru/nats-server";

/**
 * A URL whose port nothing listens on, for "the database (or broker) is down" tests: connecting
 * fails fast with ECONNREFUSED instead of hanging on a black-holed address.
 */
export async function closedPortUrl(protocol = "postgres", path = "/x"): Promise<string> {
  return `${protocol}://127.0.0.1:${await freePort()}${path}`;
}
