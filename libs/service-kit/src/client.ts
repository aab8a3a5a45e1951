import { type CallOptions, type Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";

// Calling a Köprü service: one typed promise client over the generated grpc-js clients, used by the
// command line, the demo seed and every test that speaks gRPC. The caller travels as metadata that
// the server side reads back in `callContext` (caller.ts).

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

/** The callback form every generated unary method has (its last overload). */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/** Names of a generated client's own methods: everything but the grpc-js Client base. */
export type MethodOf<C> = Exclude<keyof C & string, keyof Client>;
export type RequestOf<M> = M extends UnaryMethod<infer Req, unknown> ? Req : never;
export type ResponseOf<M> = M extends UnaryMethod<never, infer Res> ? Res : never;

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

export interface GrpcClientOptions {
  /** Deadline of each call. Default 20 s. */
  timeoutMs?: number;
  /** Turns a failed call's error into the caller's own (e.g. one naming the service and address). */
  mapError?: (error: unknown, method: string) => unknown;
}

/**
 * A generated grpc-js client bound to a caller: `await api.call("createReferral", request)` resolves
 * to that RPC's response type, with the request type checked against the contract. `as()` calls
 * over the same channel as another organisation, actor or role.
 */
export class GrpcClient<C extends Client> {
  constructor(
    readonly client: C,
    readonly caller: ClientCaller = {},
    readonly options: GrpcClientOptions = {},
  ) {}

  async call<K extends MethodOf<C>>(method: K, request: RequestOf<C[K]>): Promise<ResponseOf<C[K]>> {
    const unaryMethod = this.client[method] as unknown as UnaryMethod<RequestOf<C[K]>, ResponseOf<C[K]>>;
    try {
      return await callUnary(
        this.client,
        unaryMethod,
        request,
        this.caller,
        this.options.timeoutMs ?? 20_000,
      );
    } catch (error) {
      throw this.options.mapError ? this.options.mapError(error, method) : error;
    }
  }

  as(caller: ClientCaller): GrpcClient<C> {
    return new GrpcClient(this.client, caller, this.options);
  }

  /** Closes the channel, for every `as()` view of it too. */
  close(): void {
    this.client.close();
  }
}

/** `grpcClient(IntakeServiceClient, "127.0.0.1:50051", caller)`: a plaintext channel to one service. */
export function grpcClient<C extends Client>(
  ClientClass: new (address: string, channelCredentials: ReturnType<typeof credentials.createInsecure>) => C,
  address: string,
  caller: ClientCaller = {},
  options: GrpcClientOptions = {},
): GrpcClient<C> {
  return new GrpcClient(new ClientClass(address, credentials.createInsecure()), caller, options);
}

export const insecureCredentials = credentials.createInsecure;
