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
import { type NatsCluster, startNatsCluster } from "./nats-cluster.js";

export interface ConfinedNatsCluster extends NatsCluster {
  /** Every node's client URL, comma-separated: what a service's `NATS_URL` takes. */
  readonly url: string;
  readonly credentials: NatsCredentials;
  credential(user: string): NatsCredential;
  /** `connect()` options for a service user or the admin, over every node of the cluster. */
  connectOptions(user: string): { servers: string; user: string; pass: string; inboxPrefix: string };
}

/**
 * A JetStream cluster (`startNatsCluster`) whose every node has the network's users and
 * permissions, as one confined nats-server has: the services run on it as they would in production.
 */
export async function startConfinedNatsCluster(options: {
  size?: number;
  access: readonly BusAccess[];
  credentials?: NatsCredentials;
  bcryptCost?: number;
}): Promise<ConfinedNatsCluster> {
  const credentials = options.credentials ?? generateNatsCredentials(options.access.map((a) => a.user));
  const configDir = mkdtempSync(join(tmpdir(), "kopru-nats-cluster-conf-"));
  const forgetDir = removeOnExit(configDir);
  const configPath = writeNatsServerConfig(configDir, {
    credentials,
    access: options.access,
    bcryptCost: options.bcryptCost ?? 6,
  });
  let cluster: NatsCluster;
  try {
    cluster = await startNatsCluster({ size: options.size ?? 3, args: ["-c", configPath] });
  } catch (error) {
    rmSync(configDir, { recursive: true, force: true });
    forgetDir();
    throw error;
  }
  const credential = (user: string): NatsCredential => {
    const found = user === credentials.admin.user ? credentials.admin : credentials.services[user];
    if (!found) throw new Error(`no NATS user ${user} on this cluster`);
    return found;
  };
  const url = cluster.urls.join(",");
  return {
    ...cluster,
    url,
    credentials,
    credential,
    connectOptions: (user) => ({ servers: url, ...natsConnectOptions(credential(user)) }),
    async close() {
      await cluster.close();
      rmSync(configDir, { recursive: true, force: true });
      forgetDir();
    },
  };
}
