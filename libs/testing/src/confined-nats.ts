import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BusAccess,
  generateNatsCredentials,
  type NatsCredential,
  type NatsCredentials,
  natsConnectOptions,
  writeNatsServerConfig,
} from "@kopru/nats-server";
import { removeOnExit } from "./cleanup.js";
import { type NatsServerProcess, type StartNatsServerOptions, startNatsServer } from "./nats-server.js";

export interface StartConfinedNatsServerOptions extends Omit<StartNatsServerOptions, "args" | "jetstream"> {
  /** One declaration per service user (e.g. `networkBusAccess(...)` of `@kopru/events`). */
  access: readonly BusAccess[];
  /** Reuse these instead of generating fresh ones. */
  credentials?: NatsCredentials;
  /** bcrypt cost of the stored hashes. Default 6: the server checks it at every connect. */
  bcryptCost?: number;
  /** Extra command-line arguments (e.g. `-DV` to trace what clients send). */
  args?: readonly string[];
}

export interface ConfinedNatsServer extends NatsServerProcess {
  readonly credentials: NatsCredentials;
  readonly configPath: string;
  /** The credential of a service user (throws for an unknown one). */
  credential(user: string): NatsCredential;
  /** `connect()` options for a service user, or the admin (`"admin"`): servers, user, pass, inboxPrefix. */
  connectOptions(user: string): { servers: string; user: string; pass: string; inboxPrefix: string };
}

/**
 * Starts a nats-server of the test's own (free port, store in a temp dir, reaped with the test
 * process) whose only users are the admin and the given services, each confined to its bus access.
 */
export async function startConfinedNatsServer(
  options: StartConfinedNatsServerOptions,
): Promise<ConfinedNatsServer> {
  const credentials = options.credentials ?? generateNatsCredentials(options.access.map((a) => a.user));
  const configDir = mkdtempSync(join(tmpdir(), "kopru-nats-conf-"));
  const forgetDir = removeOnExit(configDir);
  const configPath = writeNatsServerConfig(configDir, {
    credentials,
    access: options.access,
    bcryptCost: options.bcryptCost ?? 6,
  });
  const { access: _access, credentials: _credentials, bcryptCost: _cost, args, ...serverOptions } = options;
  let server: NatsServerProcess;
  try {
    server = await startNatsServer({ ...serverOptions, args: ["-c", configPath, ...(args ?? [])] });
  } catch (error) {
    rmSync(configDir, { recursive: true, force: true });
    forgetDir();
    throw error;
  }
  const credential = (user: string): NatsCredential => {
    const found = user === credentials.admin.user ? credentials.admin : credentials.services[user];
    if (!found) throw new Error(`no NATS user ${user} on this server`);
    return found;
  };
  return {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    get storeDir() {
      return server.storeDir;
    },
    get pid() {
      return server.pid;
    },
    get running() {
      return server.running;
    },
    stop: () => server.stop(),
    kill: () => server.kill(),
    restart: () => server.restart(),
    logs: () => server.logs(),
    async close() {
      await server.close();
      rmSync(configDir, { recursive: true, force: true });
      forgetDir();
    },
    credentials,
    configPath,
    credential,
    connectOptions: (user) => ({ servers: server.url, ...natsConnectOptions(credential(user)) }),
  };
}
