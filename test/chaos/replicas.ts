import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChannelCredentials, Client } from "@grpc/grpc-js";
import { type ClientCaller, type GrpcClient, grpcClient, serviceAudience } from "@kopru/service-kit";
import { type SpawnedProcess, spawnNodeProcess } from "@kopru/testing";
import type { ServiceName, TestNetwork } from "../support/network.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * One process of a service among several on the same database. Replica 0 is the network's own
 * (`network.start/kill`); the others are started here with the network's environment for that
 * service, so every replica shares the database, the outbox and the durable consumers.
 */
export class Replica {
  private process: SpawnedProcess | undefined;
  private listening: string | undefined;
  /** The output of every process of this replica killed so far (a failed run prints it). */
  readonly stopped: SpawnedProcess[] = [];

  constructor(
    private readonly network: TestNetwork,
    readonly service: ServiceName,
    readonly index: number,
    private readonly startTimeoutMs: number,
  ) {}

  get label(): string {
    return `${this.service}#${this.index}`;
  }

  get running(): boolean {
    if (this.index === 0) return this.network.isRunning(this.service);
    return this.process?.running ?? false;
  }

  /** Where it listens; undefined while it is down or starting. */
  get address(): string | undefined {
    if (!this.running) return undefined;
    return this.index === 0 ? this.network.address(this.service) : this.listening;
  }

  get pid(): number | undefined {
    return this.index === 0 ? this.network.pid(this.service) : this.process?.pid;
  }

  async start(): Promise<void> {
    if (this.index === 0) return this.network.start(this.service);
    // Exactly the environment the first process got, not a copy that could drift from it.
    const env = await this.network.environment(this.service, this.network.database(this.service));
    const serviceDir = join(repoRoot, "services", this.service);
    const child = spawnNodeProcess(join(serviceDir, "src/main.ts"), {
      env,
      cwd: serviceDir,
      nodeArgs: ["--import", "@kopru/observability/register"],
    });
    this.process = child;
    const match = await child.waitForLine(/gRPC listening on (\S+)/, { timeoutMs: this.startTimeoutMs });
    this.listening = match[1] as string;
  }

  /** A crash: SIGKILL, no shutdown hook runs, in-flight transactions are cut. */
  async kill(): Promise<void> {
    if (this.index === 0) return this.network.kill(this.service, "SIGKILL");
    const child = this.process;
    this.process = undefined;
    this.listening = undefined;
    if (!child) return;
    await child.kill("SIGKILL");
    this.stopped.push(child);
  }

  /** Lines this replica's processes wrote (replica 0's come from the network's own logs). */
  lines(): string[] {
    const own = [...this.stopped, ...(this.process ? [this.process] : [])].flatMap((p) =>
      p.lines.map((line) => line.text),
    );
    if (this.index !== 0) return own;
    return this.network
      .allLogs()
      .filter(({ source }) => source === this.service || source.startsWith(`${this.service} (stopped`))
      .flatMap(({ lines }) => lines);
  }

  async close(): Promise<void> {
    if (this.index !== 0) await this.kill();
  }
}

/**
 * A client of one replica, made again when that replica listens on a new address (after a
 * restart): a load balancer in front of the replicas would do the same.
 */
export class ReplicaClients<C extends Client> {
  private readonly clients = new Map<string, GrpcClient<C>>();

  constructor(
    private readonly network: TestNetwork,
    private readonly ClientClass: new (address: string, credentials: ChannelCredentials) => C,
    private readonly caller: ClientCaller,
  ) {}

  for(replica: Replica): GrpcClient<C> {
    const address = replica.address;
    if (!address) throw new Error(`${replica.label} is not running`);
    let client = this.clients.get(address);
    if (!client) {
      client = grpcClient(this.ClientClass, address, this.network.channel(), this.caller, {
        audience: serviceAudience(replica.service),
        tokens: this.network.tokens,
      });
      this.clients.set(address, client);
    }
    return client;
  }
}
