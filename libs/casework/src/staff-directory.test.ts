import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServiceConfig, ServiceContext } from "@kopru/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StaffDirectoryUnavailableError } from "./errors.js";
import { identityStaffDirectory } from "./staff-directory.js";

// The default colleague check of a receiving service: identity's staff directory, asked with the
// service's own token. A stand-in HTTP server plays the directory (the real one is in the e2e test).
const asked: { url: string; authorization: string | undefined }[] = [];
const server = createServer((request, response) => {
  asked.push({ url: request.url ?? "", authorization: request.headers.authorization });
  if (request.url?.endsWith("/staff/colleague")) {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ id: "colleague", organisationId: "mmcc-a", active: true, roles: [] }));
  } else if (request.url?.includes("/organisations/broken/")) {
    response.statusCode = 500;
    response.end("{}");
  } else {
    response.statusCode = 404;
    response.end("{}");
  }
});
let issuer = "";
const logger = { warn: () => {} } as unknown as ServiceContext<ServiceConfig>["logger"];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const config = (extra: Partial<ServiceConfig> & { STAFF_DIRECTORY_URL?: string } = {}) =>
  ({ AUTH_ISSUER: "http://127.0.0.1:1", ...extra }) as ServiceConfig & { STAFF_DIRECTORY_URL?: string };

describe("identityStaffDirectory", () => {
  it("is none without the service's own client (assignment then answers staff_directory_missing)", () => {
    expect(identityStaffDirectory({ config: config(), serviceTokens: undefined, logger })).toBeUndefined();
  });

  it("asks STAFF_DIRECTORY_URL with the service's token for urn:kopru:identity", async () => {
    const audiences: string[] = [];
    const find = identityStaffDirectory({
      config: config({ STAFF_DIRECTORY_URL: issuer }),
      serviceTokens: async (audience) => {
        audiences.push(audience);
        return "service-token";
      },
      logger,
    });
    expect(await find?.("mmcc-a", "colleague")).toMatchObject({ id: "colleague", active: true });
    expect(await find?.("mmcc-a", "stranger")).toBeUndefined();
    expect(audiences).toEqual(["urn:kopru:identity", "urn:kopru:identity"]);
    expect(asked.at(-2)).toEqual({
      url: "/staff-directory/organisations/mmcc-a/staff/colleague",
      authorization: "Bearer service-token",
    });
  });

  it("defaults to AUTH_ISSUER, and a directory that cannot answer is staff_directory_unavailable", async () => {
    const tokens = async () => "service-token";
    const find = identityStaffDirectory({
      config: config({ AUTH_ISSUER: issuer }),
      serviceTokens: tokens,
      logger,
    });
    await expect(find?.("broken", "anyone")).rejects.toBeInstanceOf(StaffDirectoryUnavailableError);
    const down = identityStaffDirectory({ config: config(), serviceTokens: tokens, logger });
    await expect(down?.("mmcc-a", "colleague")).rejects.toMatchObject({
      code: "staff_directory_unavailable",
    });
  });
});
