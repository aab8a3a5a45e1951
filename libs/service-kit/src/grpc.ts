import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  type CallOptions,
  type Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { type CallContext, callContext } from "./caller.js";
import { ErrorCatalogue } from "./errors.js";

export interface GrpcServiceBinding {
  /** Fully-qualified service name, e.g. `kopru.intake.v1.IntakeService` (health checks use it). */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface HostedGrpcServer {
  server: Server;
  health: HealthImplementation;
  port: number;
  address: string;
  /** Reports NOT_SERVING, then lets calls in flight finish (forcing after `graceMs`). */
  shutdown(graceMs?: number): Promise<void>;
}

const require = createRequire(import.meta.url);

function descriptorSet(): Buffer {
  return readFileSync(require.resolve("@kopru/contracts/descriptor-set"));
}

/**
 * Builds and binds a gRPC server with the standard health service (per service name and
 * overall) and server reflection fed from the contracts' descriptor set, so `grpcurl`/`buf curl`
 * work against any Köprü service without local proto files.
 */
export async function startGrpcServer(
  bindings: readonly GrpcServiceBinding[],
  options: {
    host: string;
    port: number;
    /** What the handlers' errors mean on the wire; the generic errors only when not given. */
    errors?: ErrorCatalogue;
    /** Told of every error that goes out as INTERNAL (it is not sent, so it must be logged). */
    onInternalError?: (error: unknown) => void;
  },
): Promise<HostedGrpcServer> {
  const server = new Server({ "grpc.max_receive_message_length": 4 * 1024 * 1024 });
  const errors = options.errors ?? new ErrorCatalogue();
  for (const binding of bindings) {
    server.addService(binding.definition, mapHandlerErrors(binding, errors, options.onInternalError));
  }

  const statuses: Record<string, "SERVING" | "NOT_SERVING"> = { "": "SERVING" };
  for (const binding of bindings) statuses[binding.name] = "SERVING";
  const health = new HealthImplementation(statuses);
  health.addToServer(server);

  const reflection = new ReflectionService(loadFileDescriptorSetFromBuffer(descriptorSet()));
  reflection.addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  const address = `${options.host}:${port}`;

  return {
    server,
    health,
    port,
    address,
    async shutdown(graceMs = 5_000) {
      for (const name of Object.keys(statuses)) health.setStatus(name, "NOT_SERVING");
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/**
 * Every unary handler's failure goes through the service's error catalogue on its way out: the one
 * place where errors become gRPC statuses. Handlers pass the error they caught as it is.
 */
function mapHandlerErrors(
  binding: GrpcServiceBinding,
  errors: ErrorCatalogue,
  onInternalError: ((error: unknown) => void) | undefined,
): UntypedServiceImplementation {
  const mapped: UntypedServiceImplementation = {};
  for (const [method, handle] of Object.entries(binding.implementation)) {
    const definition = binding.definition[method];
    if (!definition || definition.requestStream || definition.responseStream) {
      mapped[method] = handle;
      continue;
    }
    const unaryHandle = handle as (call: unknown, callback: sendUnaryData<unknown>) => void;
    mapped[method] = ((call: unknown, callback: sendUnaryData<unknown>) =>
      unaryHandle(call, (error, response) => {
        if (!error) return callback(null, response);
        const answer = errors.toServiceError(error);
        if (answer.code === status.INTERNAL) onInternalError?.(error);
        callback(answer as ServiceError);
      })) as typeof handle;
  }
  return mapped;
}

/**
 * Adapts an async handler to grpc-js: resolved values are sent; a thrown error is handed on as it is,
 * for the server to map through the service's error catalogue.
 */
export function unary<Req, Res>(
  handler: (request: Req, context: CallContext) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    handler(call.request, callContext(call.metadata)).then(
      (response) => callback(null, response),
      (error: unknown) => callback(error as ServiceError),
    );
  };
}

export interface ClientCaller {
  organisationId?: string;
  actorId?: string;
  role?: string;
}

export function callerMetadata(caller: ClientCaller = {}): Metadata {
  const metadata = new Metadata();
  if (caller.organisationId) metadata.set("kopru-organisation-id", caller.organisationId);
  if (caller.actorId) metadata.set("kopru-actor-id", caller.actorId);
  if (caller.role) metadata.set("kopru-role", caller.role);
  return metadata;
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/** Calls one unary method of a generated client as a promise, with caller metadata and a deadline. */
export function callUnary<Req, Res>(
  client: Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  caller: ClientCaller = {},
  timeoutMs = 10_000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(
      client,
      request,
      callerMetadata(caller),
      { deadline: Date.now() + timeoutMs },
      (error, response) => (error ? reject(error) : resolve(response)),
    );
  });
}

export const insecureCredentials = credentials.createInsecure;
