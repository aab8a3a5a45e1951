import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
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
import {
  type AuthenticatedCall,
  authenticateCall,
  type TokenVerifier,
  UnauthenticatedError,
} from "./auth.js";
import { type CallContext, callContext } from "./caller.js";
import { CallsInFlightGate, ServiceAtCapacityError } from "./calls-in-flight.js";
import { ErrorCatalogue } from "./errors.js";
import { normaliseRequestText } from "./text.js";

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
  /** The plaintext health-only listener's address, when one was asked for (`healthPort`). */
  healthAddress?: string;
  /** Adds the service's own handlers and reports SERVING, for each of them and overall. */
  serve(bindings: readonly GrpcServiceBinding[]): void;
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
 * work against any Köprü service without local proto files. Bound with no bindings, it answers
 * health checks with NOT_SERVING until `serve()` adds the service's handlers: a service binds its
 * port first, so whoever waits for it can ask whether it is ready instead of guessing from logs.
 */
export async function startGrpcServer(
  bindings: readonly GrpcServiceBinding[],
  options: {
    host: string;
    port: number;
    /** TLS (with client certificates between services) or, only in development, plaintext: see `tls.ts`. */
    credentials: ServerCredentials;
    /** Verifies the bearer token of every call to the service's own handlers (health and reflection stay open). */
    verifier: TokenVerifier;
    /** What the handlers' errors mean on the wire; the generic errors only when not given. */
    errors?: ErrorCatalogue;
    /** Told of every error that goes out as INTERNAL (it is not sent, so it must be logged). */
    onInternalError?: (error: unknown) => void;
    /**
     * A second, plaintext port that serves `grpc.health.v1.Health` and nothing else: the kubelet's
     * gRPC probes cannot present a client certificate, and the service's own port wants one.
     */
    healthPort?: number;
    /**
     * Calls of the service's own handlers in flight at once; past it a call is answered UNAVAILABLE
     * at once (see `CallsInFlightGate`). Unbounded when not given.
     */
    maxCallsInFlight?: number;
  },
): Promise<HostedGrpcServer> {
  const server = new Server({ "grpc.max_receive_message_length": 4 * 1024 * 1024 });
  const errors = options.errors ?? new ErrorCatalogue();
  const gate =
    options.maxCallsInFlight === undefined ? undefined : new CallsInFlightGate(options.maxCallsInFlight);
  const statuses: Record<string, "SERVING" | "NOT_SERVING"> = { "": "NOT_SERVING" };
  const health = new HealthImplementation(statuses);
  health.addToServer(server);
  const serve = (more: readonly GrpcServiceBinding[]) => {
    // grpc-js routes by method path at call time, so handlers may join a server already bound.
    for (const binding of more) {
      server.addService(
        binding.definition,
        authenticatedHandlers(binding, options.verifier, errors, options.onInternalError, gate),
      );
      statuses[binding.name] = "SERVING";
      health.setStatus(binding.name, "SERVING");
    }
    statuses[""] = "SERVING";
    health.setStatus("", "SERVING");
  };

  addLazyReflection(server);

  const port = await bind(server, `${options.host}:${options.port}`, options.credentials);
  const address = `${options.host}:${port}`;
  let healthServer: Server | undefined;
  let healthAddress: string | undefined;
  if (options.healthPort !== undefined) {
    const probes = new Server();
    health.addToServer(probes);
    try {
      const bound = await bind(
        probes,
        `${options.host}:${options.healthPort}`,
        ServerCredentials.createInsecure(),
      );
      healthServer = probes;
      healthAddress = `${options.host}:${bound}`;
    } catch (error) {
      server.forceShutdown();
      throw error;
    }
  }
  if (bindings.length > 0) serve(bindings);

  return {
    server,
    health,
    port,
    address,
    ...(healthAddress ? { healthAddress } : {}),
    serve,
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
      // Probes see NOT_SERVING while the service's own calls drain; the health port closes last.
      healthServer?.forceShutdown();
    },
  };
}

/** A service definition and its handlers as `addToServer` hands them to a server. */
interface CapturedService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

function capturedServices(reflection: ReflectionService): CapturedService[] {
  const captured: CapturedService[] = [];
  reflection.addToServer({
    addService: (definition: ServiceDefinition, implementation: UntypedServiceImplementation) =>
      captured.push({ definition, implementation }),
  } as unknown as Server);
  return captured;
}

/**
 * Server reflection whose index of the contracts is built on the first reflection call. Built at
 * start it cost every service about 0.4 s of CPU and 25 MB it kept for good, for a tool an operator
 * points at a service now and then. The services are added at once (from a reflection service over
 * no contracts, which costs little); their handlers hand each call to the real one.
 */
function addLazyReflection(server: Server): void {
  let real: Map<string, CapturedService["implementation"]> | undefined;
  const realHandlers = () => {
    real ??= new Map(
      capturedServices(new ReflectionService(loadFileDescriptorSetFromBuffer(descriptorSet()))).map(
        ({ definition, implementation }) => [pathOf(definition), implementation],
      ),
    );
    return real;
  };
  for (const { definition } of capturedServices(new ReflectionService({}))) {
    const path = pathOf(definition);
    server.addService(definition, {
      ServerReflectionInfo: (call: ServerDuplexStream<unknown, unknown>) => {
        const handle = realHandlers().get(path)?.ServerReflectionInfo as
          | ((call: ServerDuplexStream<unknown, unknown>) => void)
          | undefined;
        if (!handle) {
          call.emit("error", { code: status.UNIMPLEMENTED, details: `no reflection handler for ${path}` });
          return;
        }
        handle(call);
      },
    });
  }
}

function pathOf(definition: ServiceDefinition): string {
  return Object.values(definition)
    .map((method) => method.path)
    .join(",");
}

function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound)));
  });
}

/** The verified caller of each call in flight, set before its handler runs. */
const authenticatedCalls = new WeakMap<object, AuthenticatedCall>();

/**
 * Every call to a service's own handlers is authenticated before the handler runs (a missing or
 * invalid token never reaches domain code), and every failure goes through the service's error
 * catalogue on its way out: the one place where errors become gRPC statuses. Streaming methods are
 * refused: no Köprü service declares one, and one added later must not slip past authentication.
 */
function authenticatedHandlers(
  binding: GrpcServiceBinding,
  verifier: TokenVerifier,
  errors: ErrorCatalogue,
  onInternalError: ((error: unknown) => void) | undefined,
  gate: CallsInFlightGate | undefined,
): UntypedServiceImplementation {
  const mapped: UntypedServiceImplementation = {};
  for (const [method, handle] of Object.entries(binding.implementation)) {
    const definition = binding.definition[method];
    if (!definition || definition.requestStream || definition.responseStream) {
      throw new Error(`${binding.name}.${method}: only unary methods can be served with authentication`);
    }
    const unaryHandle = handle as (
      call: ServerUnaryCall<unknown, unknown>,
      callback: sendUnaryData<unknown>,
    ) => void;
    const answer = (error: unknown, callback: sendUnaryData<unknown>) => {
      const mappedError = errors.toServiceError(error);
      if (mappedError.code === status.INTERNAL) onInternalError?.(error);
      callback(mappedError as ServiceError);
    };
    mapped[method] = ((call: ServerUnaryCall<unknown, unknown>, reply: sendUnaryData<unknown>) => {
      const end = gate ? gate.admit() : () => {};
      if (!end) {
        answer(new ServiceAtCapacityError(gate?.max ?? 0), reply);
        return;
      }
      const callback: sendUnaryData<unknown> = (error, response) => {
        end();
        reply(error, response);
      };
      authenticateCall(verifier, call.metadata).then(
        (authenticated) => {
          authenticatedCalls.set(call, authenticated);
          try {
            unaryHandle(call, (error, response) =>
              error ? answer(error, callback) : callback(null, response),
            );
          } catch (error) {
            answer(error, callback);
          }
        },
        (error: unknown) => answer(error, callback),
      );
    }) as typeof handle;
  }
  return mapped;
}

/**
 * The verified caller of a call that the server authenticated: for a handler that wraps another
 * handler (e.g. to filter its answer) rather than going through `unary()`.
 */
export function authenticatedCallContext(call: ServerUnaryCall<unknown, unknown>): CallContext {
  const authenticated = authenticatedCalls.get(call);
  // Only a server started without a verifier could get here; refuse rather than run unauthenticated.
  if (!authenticated) throw new UnauthenticatedError("this call was not authenticated");
  return callContext(authenticated, call.metadata);
}

/**
 * Adapts an async handler to grpc-js: every request's text is normalised and checked at the edge
 * first (`normaliseRequestText`, ADR 0011); resolved values are sent; a thrown error is handed on
 * as it is, for the server to map through the service's error catalogue.
 */
export function unary<Req, Res>(
  handler: (request: Req, context: CallContext) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    const answer = async () =>
      handler(
        normaliseRequestText(call.request),
        authenticatedCallContext(call as ServerUnaryCall<unknown, unknown>),
      );
    answer().then(
      (response) => callback(null, response),
      (error: unknown) => callback(error as ServiceError),
    );
  };
}
