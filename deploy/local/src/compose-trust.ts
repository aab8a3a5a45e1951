// `pnpm run compose:trust`: what a docker compose deployment (deploy/compose) trusts, made once on
// the operator's machine into deploy/compose/.trust (never committed): the CA and a certificate
// per service valid for its compose host name, the NATS users and their permissions (included by
// deploy/compose/nats.conf), each service's NATS password, the identity service's provisioning
// (the CLI and console clients, a client per service, one network administrator) and its cookie key. Run again
// to renew certificates and NATS passwords; the administrator's password is kept.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { streamConfig } from "@kopru/bus";
import { SERVICE_NAMES } from "@kopru/cli";
import { NETWORK_LAYOUT, networkBusAccess } from "@kopru/events";
import { generateNatsCredentials, natsAuthorizationConfig, natsCredentialEnv } from "@kopru/nats-server";
import { networkHosting, REPO_ROOT } from "./config.js";
import {
  CLI_CLIENT_ID,
  CLI_REDIRECT_URI,
  consoleClient,
  generatePassword,
  generateSecret,
  serviceClientId,
} from "./identities.js";
import { preparePki, writePrivate } from "./trust.js";

const dir = resolve(REPO_ROOT, process.argv[2] ?? "deploy/compose/.trust");
const split = (value: string | undefined, fallback: string[]) =>
  value?.trim() ? value.split(",").map((s) => s.trim()) : fallback;

mkdirSync(dir, { recursive: true, mode: 0o700 });
const pki = await preparePki(join(dir, "pki"), {
  hostNames: (party) => ({ dnsNames: [party, "localhost"], ipAddresses: ["127.0.0.1"] }),
});

// Who each service hosts: the same variables compose.yaml passes to the services, whose defaults
// are the demo network's organisations.
const demo = networkHosting();
const hosted = {
  intake: split(process.env.KOPRU_INTAKE_ORGANISATIONS, demo.intake),
  protection: split(process.env.KOPRU_PROTECTION_ORGANISATIONS, demo.protection),
  ecm: split(process.env.KOPRU_ECM_ORGANISATIONS, demo.ecm),
  "community-centre": split(process.env.KOPRU_COMMUNITY_CENTRE_ORGANISATIONS, demo["community-centre"]),
  municipality: split(process.env.KOPRU_MUNICIPALITY_ORGANISATIONS, demo.municipality),
  coordination: [],
  notifications: [],
  gateway: [],
  matching: [],
};
const nats = generateNatsCredentials([...SERVICE_NAMES]);
mkdirSync(join(dir, "nats"), { recursive: true, mode: 0o700 });
writePrivate(
  join(dir, "nats", "auth.conf"),
  natsAuthorizationConfig({ credentials: nats, access: networkBusAccess(hosted) }),
);
// The services' users may not create streams: the admin does, from these (`nats stream add --config`).
mkdirSync(join(dir, "nats", "streams"), { recursive: true, mode: 0o700 });
for (const stream of [...NETWORK_LAYOUT.streams, NETWORK_LAYOUT.deadLetterStream]) {
  writeFileSync(
    join(dir, "nats", "streams", `${stream.name}.json`),
    `${JSON.stringify({ ...streamConfig(stream), num_replicas: 1 }, null, 2)}\n`,
  );
}
mkdirSync(join(dir, "env"), { recursive: true, mode: 0o700 });
const serviceSecrets = Object.fromEntries(SERVICE_NAMES.map((service) => [service, generateSecret()]));
// The network's matching secret (ADR 0027), kept across runs: a new one would leave every record
// registered at the matching service unmatchable. Every partner hashing identifiers needs the same.
const matchingSecretFile = join(dir, "matching-secret");
const matchingSecret = existsSync(matchingSecretFile)
  ? readFileSync(matchingSecretFile, "utf8").trim()
  : generateSecret();
writePrivate(matchingSecretFile, `${matchingSecret}\n`);
for (const service of SERVICE_NAMES) {
  const credential = nats.services[service];
  if (!credential) continue;
  const env = {
    ...natsCredentialEnv(credential),
    AUTH_CLIENT_ID: serviceClientId(service),
    AUTH_CLIENT_SECRET: serviceSecrets[service] as string,
    ...(service === "intake" ? { MATCHING_NETWORK_SECRET: matchingSecret } : {}),
  };
  writePrivate(
    join(dir, "env", `${service}.env`),
    Object.entries(env)
      .map(([key, value]) => `${key}=${value}`)
      .join("\n")
      .concat("\n"),
  );
}
writePrivate(
  join(dir, "env", "nats-admin.env"),
  `NATS_USER=${nats.admin.user}\nNATS_PASSWORD=${nats.admin.password}\n`,
);

const adminFile = join(dir, "admin-login.json");
const admin = existsSync(adminFile)
  ? (JSON.parse(readFileSync(adminFile, "utf8")) as { username: string; password: string })
  : { username: "admin@coordination", password: generatePassword() };
writePrivate(adminFile, `${JSON.stringify(admin, null, 2)}\n`);
writePrivate(
  join(dir, "identities.json"),
  `${JSON.stringify(
    {
      organisations: [{ id: "coordination", name: "Network coordination" }],
      users: [
        {
          id: "staff-admin-at-coordination",
          organisationId: "coordination",
          username: admin.username,
          displayName: "Network administrator",
          password: admin.password,
          roles: ["network-admin"],
        },
      ],
      clients: [
        { clientId: CLI_CLIENT_ID, kind: "first-party", redirectUris: [CLI_REDIRECT_URI], deviceFlow: true },
        // The staff console, served by the gateway at its public URL (compose.yaml's PUBLIC_URL).
        consoleClient(process.env.KOPRU_PARTNER_API_URL?.trim() || "https://127.0.0.1:8443"),
        ...SERVICE_NAMES.map((service) => ({
          clientId: serviceClientId(service),
          kind: "service",
          serviceName: service,
          clientSecret: serviceSecrets[service],
        })),
      ],
    },
    null,
    2,
  )}\n`,
);
writePrivate(join(dir, "env", "identity.env"), `COOKIE_KEYS=${generateSecret()}\n`);

console.log(`Trust for deploy/compose written to ${dir} (private; never commit it).`);
console.log(
  `  CA ${pki.caFile}; a certificate per service for its compose host name; NATS users in nats/auth.conf.`,
);
console.log(`  Network administrator: ${admin.username} (password in ${adminFile}).`);
