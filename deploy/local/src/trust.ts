import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVICE_NAMES, type ServiceName } from "@kopru/cli";
import { networkBusAccess } from "@kopru/events";
import { generateNatsCredentials, type NatsCredentials, writeNatsServerConfig } from "@kopru/nats-server";
import { createCertificateAuthority, issueCertificate } from "@kopru/pki";
import type { TlsFiles } from "@kopru/service-kit";
import { gatewayHttpAddress } from "./config.js";
import {
  type ClientSecrets,
  type DemoLogin,
  type DemoOrganisationRef,
  demoLogins,
  demoProvisioning,
  generateSecret,
  partnerClientId,
  serviceClientId,
} from "./identities.js";

// Everything a local network trusts, made on this machine and kept under one private directory
// (0700, keys and secrets 0600): a certificate authority with a certificate per service (mutual TLS
// on gRPC), one for the identity service's HTTPS and one for operator tools (the CLI, the seed, the
// tests); the NATS users with the permissions of each service; the identity service's provisioning
// (demo logins, partner and service clients) and cookie keys. Nothing of it is committed (ADR 0012).

export interface TrustPlan {
  /** Where it is kept, e.g. `.data/trust`. */
  dir: string;
  /** Organisations of the network (the demo's, or a test run's). */
  organisations: readonly DemoOrganisationRef[];
  /** Which organisations each service hosts (its NATS grants follow from them). */
  hosted: Readonly<Record<ServiceName, readonly string[]>>;
  /** Organisations that get a partner-system client (the NGOs). */
  partnerOrganisations: readonly string[];
  /** nats-server listen address, written into its configuration (the store stays on its command line). */
  nats: { host: string; port: number };
}

/** The local CA and the certificates made from it. */
export interface NetworkPki {
  caFile: string;
  /** Each service's certificate (server and client). */
  serviceTls: Record<ServiceName, TlsFiles>;
  /** The identity service's HTTPS certificate. */
  identityTls: { certFile: string; keyFile: string };
  /** Operator tools: the CLI, the demo seed, the tests. */
  operatorTls: TlsFiles;
}

export interface NetworkTrust extends NetworkPki {
  dir: string;
  nats: NatsCredentials;
  natsConfigFile: string;
  logins: DemoLogin[];
  clientSecrets: ClientSecrets;
  /** The identity service's PROVISION_FILE. */
  provisionFile: string;
  cookieKeys: string[];
  /**
   * The network's matching secret (ADR 0027): every partner hashes identifiers with it before they go
   * to the matching service, which never gets it. Here one intake holds it for all partner NGOs.
   */
  matchingSecret: string;
}

/** Writes a file only its owner may read (0600, also when it was already there with other modes). */
export function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

interface StoredSecrets {
  logins: DemoLogin[];
  clientSecrets: ClientSecrets;
  cookieKeys: string[];
  /** Kept across starts: a new one would make every registered record unmatchable. */
  matchingSecret?: string;
}

/**
 * Makes (or reuses) what the network trusts. Demo passwords, client secrets and cookie keys are kept
 * across starts; NATS passwords are new at every start (the nats-server configuration is rewritten
 * and every service is given its own at once).
 */
/**
 * The local CA under `dir` (reused when there) and fresh certificates from it: one per service for
 * mutual TLS on gRPC, one for the identity service's HTTPS, one for operator tools. All for loopback.
 */
export async function preparePki(
  dir: string,
  options: {
    /** Names a party's certificate is valid for; default loopback only. */
    hostNames?: (party: ServiceName | "identity") => { dnsNames: string[]; ipAddresses: string[] };
  } = {},
): Promise<NetworkPki> {
  const ca = await createCertificateAuthority(dir);
  const names = options.hostNames ?? (() => ({ dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"] }));
  const serviceTls = {} as Record<ServiceName, TlsFiles>;
  for (const service of SERVICE_NAMES) {
    const issued = await issueCertificate(ca, { name: service, usage: "server+client", ...names(service) });
    serviceTls[service] = { caFile: issued.caPath, certFile: issued.certPath, keyFile: issued.keyPath };
  }
  const identity = await issueCertificate(ca, {
    name: "identity",
    usage: "server+client",
    ...names("identity"),
  });
  const operator = await issueCertificate(ca, { name: "operator", usage: "client" });
  return {
    caFile: ca.certPath,
    serviceTls,
    identityTls: { certFile: identity.certPath, keyFile: identity.keyPath },
    operatorTls: { caFile: operator.caPath, certFile: operator.certPath, keyFile: operator.keyPath },
  };
}

export async function prepareTrust(plan: TrustPlan): Promise<NetworkTrust> {
  mkdirSync(plan.dir, { recursive: true, mode: 0o700 });
  chmodSync(plan.dir, 0o700);
  const pki = await preparePki(join(plan.dir, "pki"));

  const secretsFile = join(plan.dir, "secrets.json");
  const stored = readJson<StoredSecrets>(secretsFile);
  const logins = demoLogins(plan.organisations, stored?.logins);
  const clientSecrets: ClientSecrets = {
    services: Object.fromEntries(
      SERVICE_NAMES.map((s) => [
        serviceClientId(s),
        stored?.clientSecrets.services[serviceClientId(s)] ?? generateSecret(),
      ]),
    ),
    partners: Object.fromEntries(
      plan.partnerOrganisations.map((o) => [
        partnerClientId(o),
        stored?.clientSecrets.partners[partnerClientId(o)] ?? generateSecret(),
      ]),
    ),
  };
  const cookieKeys = stored?.cookieKeys ?? [generateSecret()];
  const matchingSecret = stored?.matchingSecret ?? generateSecret();
  writePrivate(
    secretsFile,
    `${JSON.stringify({ logins, clientSecrets, cookieKeys, matchingSecret }, null, 2)}\n`,
  );

  const provisionFile = join(plan.dir, "identities.json");
  const spec = demoProvisioning({
    organisations: plan.organisations,
    logins,
    services: SERVICE_NAMES,
    partnerOrganisations: plan.partnerOrganisations,
    secrets: clientSecrets,
    gatewayUrl: gatewayHttpAddress(process.env).url,
  });
  writePrivate(provisionFile, `${JSON.stringify(spec, null, 2)}\n`);

  const nats = generateNatsCredentials([...SERVICE_NAMES]);
  const natsConfigFile = writeNatsServerConfig(join(plan.dir, "nats"), {
    host: plan.nats.host,
    port: plan.nats.port,
    credentials: nats,
    access: networkBusAccess(plan.hosted),
  });

  return {
    dir: plan.dir,
    ...pki,
    nats,
    natsConfigFile,
    logins,
    clientSecrets,
    provisionFile,
    cookieKeys,
    matchingSecret,
  };
}
