import { randomBytes } from "node:crypto";
import { freePort } from "@kopru/nats-server";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { type NatsServerProcess, startNatsServer } from "./nats-server.js";
import { waitFor } from "./wait.js";

export interface NatsClusterNode {
  /** The server's name in the cluster (`-n`), as JetStream reports its leaders. */
  readonly name: string;
  readonly server: NatsServerProcess;
  /** Its HTTP monitoring port (`/jsz`, `/routez`). */
  readonly monitorPort: number;
}

export interface NatsCluster {
  readonly name: string;
  readonly nodes: readonly NatsClusterNode[];
  /** Every node's client URL: give them all to a client so it moves to a live node on its own. */
  readonly urls: readonly string[];
  /** The JetStream meta leader's node, asked of the nodes that answer. */
  metaLeader(): Promise<NatsClusterNode>;
  /** Waits until every running node is routed to the others and a meta leader is elected. */
  ready(options?: { timeoutMs?: number }): Promise<void>;
  /** A client over every node, reconnecting without limit (a node going away is the point). */
  connect(options?: Omit<NodeConnectionOptions, "servers">): Promise<{
    nc: NatsConnection;
    js: JetStreamClient;
    jsm: JetStreamManager;
    close(): Promise<void>;
  }>;
  /** Stops every node and removes their store dirs. */
  close(): Promise<void>;
}

// What nats-server 2.9 answers at /jsz: followers name the leader only, the leader lists its peers.
interface Jsz {
  meta_cluster?: { leader?: string; replicas?: { name: string; current: boolean }[] };
}

async function jsz(port: number): Promise<Jsz> {
  const response = await fetch(`http://127.0.0.1:${port}/jsz`, { signal: AbortSignal.timeout(2_000) });
  return (await response.json()) as Jsz;
}

/**
 * A JetStream cluster of `size` nats-server processes on loopback ports (each with its own store
 * dir and monitoring port), so a test can crash nodes, pause the meta leader and see R3 streams
 * carry on. Each node is a `startNatsServer` process: `kill()`, `restart()` and `pid` work per node.
 */
export async function startNatsCluster(
  options: { size?: number; args?: readonly string[] } = {},
): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const name = `kopru-t-${randomBytes(4).toString("hex")}`;
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({
      client: await freePort(),
      route: await freePort(),
      monitor: await freePort(),
    })),
  );
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(",");
  const nodes: NatsClusterNode[] = [];
  const cluster: NatsCluster = {
    name,
    nodes,
    urls: ports.map((p) => `nats://127.0.0.1:${p.client}`),
    async metaLeader() {
      for (const node of nodes) {
        if (!node.server.running) continue;
        const leader = await jsz(node.monitorPort)
          .then((info) => info.meta_cluster?.leader)
          .catch(() => undefined);
        const found = nodes.find((n) => n.name === leader);
        if (found) return found;
      }
      throw new Error(`no node of ${name} names a JetStream meta leader`);
    },
    async ready({ timeoutMs = 60_000 } = {}) {
      await waitFor(
        async () => {
          const running = nodes.filter((node) => node.server.running);
          const infos = await Promise.all(running.map((node) => jsz(node.monitorPort)));
          // Every running node follows the same leader, and the leader (the only one that lists
          // its peers) sees every other running node as current.
          const leaders = new Set(infos.map((info) => info.meta_cluster?.leader ?? ""));
          const [leader] = leaders;
          if (leaders.size !== 1 || !leader) return false;
          const leaderInfo = infos[running.findIndex((node) => node.name === leader)];
          if (!leaderInfo) return false;
          return running.every(
            (peer) =>
              peer.name === leader ||
              leaderInfo.meta_cluster?.replicas?.find((r) => r.name === peer.name)?.current === true,
          );
        },
        {
          timeoutMs,
          intervalMs: 250,
          message: `the nats cluster ${name} to elect a meta leader with every node current`,
        },
      );
    },
    async connect(connectOptions = {}) {
      const nc = await connect({
        name: "kopru-test-cluster",
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        ...connectOptions,
        servers: [...cluster.urls],
      });
      return {
        nc,
        js: jetstream(nc),
        jsm: await jetstreamManager(nc),
        close: async () => {
          if (!nc.isClosed()) await nc.close();
        },
      };
    },
    async close() {
      await Promise.all(nodes.map((node) => node.server.close()));
    },
  };
  try {
    const started = await Promise.allSettled(
      ports.map(async (p, i) => {
        const nodeName = `${name}-n${i + 1}`;
        const server = await startNatsServer({
          port: p.client,
          // A clustered node is ready once its routes are up; the meta group forms after.
          startTimeoutMs: 60_000,
          args: [
            "-n",
            nodeName,
            "--cluster_name",
            name,
            "--cluster",
            `nats://127.0.0.1:${p.route}`,
            "--routes",
            routes,
            "-m",
            String(p.monitor),
            ...(options.args ?? []),
          ],
        });
        return { name: nodeName, server, monitorPort: p.monitor };
      }),
    );
    for (const outcome of started) if (outcome.status === "fulfilled") nodes.push(outcome.value);
    const failed = started.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
    await cluster.ready();
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}
