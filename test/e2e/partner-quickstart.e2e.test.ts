import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { provisionIdentities } from "@kopru/identity";
import { freePort } from "@kopru/nats-server";
import { openDatabase } from "@kopru/storage";
import { waitFor } from "@kopru/testing";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, seedDirectoryAndWait } from "../support/clients.js";
import { TestNetwork } from "../support/network.js";

// The partner API quickstart (docs/partner-api-quickstart.md) is run as written: every fenced `sh`
// block, in order, in one bash, against a real network — the identity service issuing the token,
// the gateway over HTTPS, intake making the referral, the MMCC's service receiving it. The test only
// sets where things are (the variables the guide's first block reads) and plays the demo network's
// secrets file; what the guide's commands print and what the services then hold is checked.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const guide = readFileSync(join(repoRoot, "docs/partner-api-quickstart.md"), "utf8");
const WEBHOOK_SECTION = guide.indexOf("\n## 4.");

/** The guide's `sh` blocks, each with where it starts, in document order. */
const blocks = [...guide.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => ({
  at: m.index ?? 0,
  script: m[1] ?? "",
}));

let network: TestNetwork;
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  network = await TestNetwork.create();
  await network.start("coordination");
  await network.start("intake", "municipality");
  await network.start("gateway");
  await seedDirectoryAndWait(network);

  // The demo network's partner client and its secrets file, as the launcher writes them.
  const { ngo } = network.orgs;
  const secret = randomBytes(32).toString("base64url");
  const identityDb = await openDatabase({ service: "identity", url: network.identity.databaseUrl });
  try {
    await provisionIdentities(identityDb, {
      organisations: [{ id: ngo, name: ngo }],
      clients: [
        { clientId: `${ngo}-system`, kind: "partner-system", organisationId: ngo, clientSecret: secret },
      ],
    });
  } finally {
    await identityDb.close();
  }
  work = mkdtempSync(join(tmpdir(), "kopru-quickstart-"));
  mkdirSync(join(work, "data", "trust"), { recursive: true });
  writeFileSync(
    join(work, "data", "trust", "secrets.json"),
    JSON.stringify({ clientSecrets: { services: {}, partners: { [`${ngo}-system`]: secret } } }),
  );
  env = {
    KOPRU_API: network.gatewayUrl(),
    KOPRU_ISSUER: network.identity.issuer,
    KOPRU_DATA: join(work, "data"),
    CA_FILE: network.pki.caFile,
    ORG_ID: ngo,
    TARGET_ORG_ID: network.orgs.mmccGaziantep,
    KOPRU_REPO: repoRoot,
    IDENTITY_DATABASE_URL: network.identity.databaseUrl,
    PORT: String(await freePort()),
    // The receiver's `require("standardwebhooks")` (a partner would `npm install` it).
    NODE_PATH: ["test", "services/gateway"].map((p) => join(repoRoot, p, "node_modules")).join(":"),
  };
}, 300_000);

afterAll(async () => {
  await network?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs the scripts in one bash (stopping at the first failing command) in the scratch folder. */
function bash(scripts: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `set -eo pipefail\n${scripts.join("\n")}`], {
      cwd: work,
      // The node binary itself first: pnpm's `node` shim runs it as a child, so the guide's
      // `kill "$RECEIVER"` would stop the shim and leave the receiver running.
      env: { ...process.env, ...env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    // "exit", not "close": a process the script left in the background may hold the pipes open.
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

describe("the partner API quickstart, run as written", () => {
  it("has commands to run in every section", () => {
    expect(blocks.filter((b) => b.at < WEBHOOK_SECTION).length).toBeGreaterThanOrEqual(8);
    expect(blocks.filter((b) => b.at > WEBHOOK_SECTION).length).toBeGreaterThanOrEqual(3);
  });

  it("gets a client and a token, registers a person with consent and screening, and refers them", async () => {
    const run = await bash(blocks.filter((b) => b.at < WEBHOOK_SECTION).map((b) => b.script));
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const referralId = new RegExp(`^referral (${UUID})$`, "m").exec(run.stdout)?.[1];
    expect(referralId, run.stdout).toBeDefined();
    expect(run.stdout).toMatch(new RegExp(`^registered ${UUID}$`, "m"));
    // Requested, or already acknowledged by the MMCC by the time the guide reads it back.
    expect(run.stdout).toMatch(/^REFERRAL_STATUS_(REQUESTED|RECEIVED)$/m);
    // The changed-since list the guide prints names the referral.
    expect(run.stdout).toMatch(new RegExp(`^\\S+Z ${referralId} REFERRAL_STATUS_\\w+$`, "m"));
    // The operator's provisioning script left no spec with a secret behind.
    expect(() => readFileSync(join(work, "partner-client.json"))).toThrow();

    // The referral is real: intake holds it for the organisation, and it reaches the target's inbox.
    const held = await clientsFor(network)
      .intake()
      .call("getReferral", { referralId: referralId as string });
    expect(held.referral?.target?.organisationId).toBe(network.orgs.mmccGaziantep);
    await waitFor(
      async () =>
        (
          await clientsFor(network)
            .municipalityInbox()
            .call("getReferral", { referralId: referralId as string })
            .catch(() => undefined)
        )?.referral?.status === ReferralStatus.REFERRAL_STATUS_RECEIVED,
      { timeoutMs: 30_000, message: "the referral in the MMCC's inbox" },
    );
    // The person's name went through the gateway; its logs never carry it.
    expect(network.logs("gateway")).not.toContain("Synthetic-Haddad");
  });

  it("receives the referral's webhook and verifies its signature", async (context) => {
    // The webhook routes come with the webhook delivery work; until the gateway serves them this
    // section cannot run (the rest of the guide is checked above).
    const document = await request(`${env.KOPRU_API}/openapi.json`, {
      dispatcher: new Agent({ connect: { ca: readFileSync(network.pki.caFile) } }),
    });
    const paths = ((await document.body.json()) as { paths: Record<string, unknown> }).paths;
    if (!paths["/v1/webhooks/endpoints"]) context.skip();

    const run = await bash(blocks.map((b) => b.script));
    const receiverLog = (() => {
      try {
        return readFileSync(join(work, "receiver.log"), "utf8");
      } catch {
        return "";
      }
    })();
    expect(run.code, `${run.stdout}\n${run.stderr}\nreceiver: ${receiverLog}`).toBe(0);
    const events = readFileSync(join(work, "events.log"), "utf8");
    expect(events).toMatch(new RegExp(`^referral\\.acknowledged ${UUID}$`, "m"));
    expect(network.logs("gateway")).not.toContain("Synthetic-Haddad");
  });
});
