import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import {
  addressVariable,
  DEFAULT_PORTS,
  SERVICE_NAMES,
  type ServiceName,
  serviceAddress,
  serviceForOrganisation,
  splitAddress,
} from "@kopru/cli";
import { NGOS, ORGANISATIONS } from "./network.js";

/** The repository root: deploy/local/src → ../../.. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export class LauncherConfigError extends Error {
  override readonly name = "LauncherConfigError";
}

/**
 * What the services run: the JavaScript `tsc -b` built into each package's `dist/` (as in production,
 * ADR 0010), or their TypeScript source through tsx (`--from-source`, for working on a service).
 */
export type RunFrom = "dist" | "source";

/** A service's entry point: `services/<name>/dist/src/main.js`, or `src/main.ts` from source. */
export function serviceEntry(service: string, from: RunFrom): string {
  return from === "dist"
    ? resolve(REPO_ROOT, "services", service, "dist", "src", "main.js")
    : resolve(REPO_ROOT, "services", service, "src", "main.ts");
}

export interface ServicePlan {
  name: ServiceName;
  host: string;
  port: number;
  address: string;
  /** Where its PGlite database lives (DATA_DIR/<service>), unless a database URL is given. */
  dataDir: string;
  databaseUrl: string | undefined;
  entry: string;
  /** The service's own variables, on top of the launcher's environment (NATS_URL comes at start). */
  env: Record<string, string | undefined>;
}

/** The identity service: the network's OpenID provider, over HTTPS from the local CA. */
export interface IdentityPlan {
  host: string;
  port: number;
  /** `https://host:port`: the `iss` of every token and every service's AUTH_ISSUER. */
  issuer: string;
  dataDir: string;
  databaseUrl: string | undefined;
  entry: string;
}

export const IDENTITY_ADDRESS_VARIABLE = "KOPRU_IDENTITY_ADDR";
export const DEFAULT_IDENTITY_PORT = 7443;

export interface LauncherConfig {
  dataDir: string;
  identity: IdentityPlan;
  /** An external NATS (`NATS_URL`); unset, the launcher runs its own nats-server under DATA_DIR/nats. */
  natsUrl: string | undefined;
  services: ServicePlan[];
  verbose: boolean;
  from: RunFrom;
}

/** Organisations each receiving service hosts, from the demo network and the naming convention. */
export function hostedOrganisations(): Record<ServiceName, string[]> {
  const hosted = Object.fromEntries(SERVICE_NAMES.map((s) => [s, [] as string[]])) as Record<
    ServiceName,
    string[]
  >;
  for (const o of ORGANISATIONS) {
    const service = serviceForOrganisation(o.id);
    if (service && service !== "intake" && service !== "coordination") hosted[service].push(o.id);
  }
  return hosted;
}

/** Every service's organisations, intake's partner NGOs included: what their NATS users are granted. */
export function networkHosting(): Record<ServiceName, string[]> {
  return { ...hostedOrganisations(), intake: [...NGOS] };
}

/** `KOPRU_COMMUNITY_CENTRE_DATABASE_URL` for `community-centre`: a real PostgreSQL for one service. */
export function databaseVariable(service: ServiceName): string {
  return `KOPRU_${service.toUpperCase().replaceAll("-", "_")}_DATABASE_URL`;
}

/**
 * Where everything goes, from the environment: `DATA_DIR` (default `.data` at the repository root;
 * relative paths count from the root), `NATS_URL` (an external NATS; unset, the launcher starts its
 * own), `KOPRU_<SERVICE>_ADDR` (the same variables the CLI
 * reads) and optionally `KOPRU_<SERVICE>_DATABASE_URL`. A `DATABASE_URL` of the shell is never passed
 * on: six services sharing one database would break the one-database-per-service rule.
 */
export function launcherConfig(
  env: NodeJS.ProcessEnv,
  options: { verbose?: boolean; from?: RunFrom } = {},
): LauncherConfig {
  const from = options.from ?? "dist";
  const dataDir = resolve(REPO_ROOT, env.DATA_DIR?.trim() || ".data");
  const natsUrl = env.NATS_URL?.trim() || undefined;
  const verbose = options.verbose === true;
  const hosted = hostedOrganisations();
  const services = SERVICE_NAMES.map((name): ServicePlan => {
    let host: string;
    let port: number;
    try {
      ({ host, port } = splitAddress(serviceAddress(name, env)));
    } catch (error) {
      throw new LauncherConfigError(`${addressVariable(name)}: ${(error as Error).message}`);
    }
    const databaseUrl = env[databaseVariable(name)]?.trim() || undefined;
    const serviceDataDir = resolve(dataDir, name);
    return {
      name,
      host,
      port,
      address: `${host}:${port}`,
      dataDir: serviceDataDir,
      databaseUrl,
      entry: serviceEntry(name, from),
      // NATS_URL is added at start, once the launcher knows which server the network uses.
      env: {
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        GRPC_HOST: host,
        GRPC_PORT: String(port),
        LOG_LEVEL: verbose ? env.LOG_LEVEL || "info" : "warn",
        HOSTED_ORGANISATIONS: hosted[name].length > 0 ? hosted[name].join(",") : undefined,
        INTAKE_ORGANISATIONS: name === "intake" ? NGOS.join(",") : undefined,
      },
    };
  });
  let identityAddress: { host: string; port: number };
  try {
    identityAddress = splitAddress(
      env[IDENTITY_ADDRESS_VARIABLE]?.trim() || `127.0.0.1:${DEFAULT_IDENTITY_PORT}`,
    );
  } catch (error) {
    throw new LauncherConfigError(`${IDENTITY_ADDRESS_VARIABLE}: ${(error as Error).message}`);
  }
  const identity: IdentityPlan = {
    ...identityAddress,
    issuer: `https://${identityAddress.host}:${identityAddress.port}`,
    dataDir: resolve(dataDir, "identity"),
    databaseUrl: env.KOPRU_IDENTITY_DATABASE_URL?.trim() || undefined,
    entry: serviceEntry("identity", from),
  };
  const gateway = services.find((s) => s.name === "gateway");
  if (gateway) Object.assign(gateway.env, gatewayEnv(env, services, hosted));
  // Intake asks the matching service about possible duplicates at other organisations (ADR 0027).
  const intake = services.find((s) => s.name === "intake");
  const matching = services.find((s) => s.name === "matching");
  if (intake && matching) intake.env.MATCHING_ADDRESS = matching.address;
  return { dataDir, identity, natsUrl, services, verbose, from };
}

export const GATEWAY_HTTP_ADDRESS_VARIABLE = "KOPRU_GATEWAY_HTTP_ADDR";
export const DEFAULT_GATEWAY_HTTP_PORT = 8443;

/** `https://host:port` of the partner API, from KOPRU_GATEWAY_HTTP_ADDR (default 127.0.0.1:8443). */
export function gatewayHttpAddress(env: NodeJS.ProcessEnv): { host: string; port: number; url: string } {
  try {
    const { host, port } = splitAddress(
      env[GATEWAY_HTTP_ADDRESS_VARIABLE]?.trim() || `127.0.0.1:${DEFAULT_GATEWAY_HTTP_PORT}`,
    );
    return { host, port, url: `https://${host}:${port}` };
  } catch (error) {
    throw new LauncherConfigError(`${GATEWAY_HTTP_ADDRESS_VARIABLE}: ${(error as Error).message}`);
  }
}

/** The partner API's variables: where it listens, the services it calls and which service holds each inbox. */
function gatewayEnv(
  env: NodeJS.ProcessEnv,
  services: readonly ServicePlan[],
  hosted: Record<ServiceName, string[]>,
): Record<string, string> {
  const http = gatewayHttpAddress(env);
  const address = (name: ServiceName) => services.find((s) => s.name === name)?.address ?? "";
  const receiving = ["protection", "ecm", "community-centre", "municipality"] as const;
  return {
    HTTP_HOST: http.host,
    HTTP_PORT: String(http.port),
    PUBLIC_URL: http.url,
    INTAKE_ADDRESS: address("intake"),
    PROTECTION_ADDRESS: address("protection"),
    ECM_ADDRESS: address("ecm"),
    COMMUNITY_CENTRE_ADDRESS: address("community-centre"),
    MUNICIPALITY_ADDRESS: address("municipality"),
    COORDINATION_ADDRESS: address("coordination"),
    NOTIFICATIONS_ADDRESS: address("notifications"),
    INBOX_ORGANISATIONS: receiving.flatMap((s) => hosted[s].map((org) => `${org}:${s}`)).join(","),
  };
}

/** Whether the configured ports are the defaults (then the CLI needs no address variables). */
export function usesDefaultAddresses(config: LauncherConfig): boolean {
  return config.services.every((s) => s.host === "127.0.0.1" && s.port === DEFAULT_PORTS[s.name]);
}

/** `--fresh` refuses to delete anything that is not clearly a data directory of ours. */
export function assertSafeToWipe(dataDir: string): void {
  const absolute = resolve(dataDir);
  const fromRoot = relative(absolute, REPO_ROOT);
  const containsRoot = fromRoot === "" || (!fromRoot.startsWith("..") && !isAbsolute(fromRoot));
  if (absolute === sep || containsRoot || absolute === resolve(process.env.HOME ?? sep)) {
    throw new LauncherConfigError(`refusing to wipe ${absolute}: it is not a data directory`);
  }
}
