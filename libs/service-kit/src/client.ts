import {
  type CallOptions,
  type ChannelCredentials,
  type Client,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { AUTHORIZATION_HEADER, ON_BEHALF_OF_HEADER } from "./auth.js";

// Calling a Köprü service: one typed promise client over the generated grpc-js clients, used by the
// command line, the demo seed and every test that speaks gRPC. Each call carries an access token
// for the called service's audience (ADR 0012); who the caller is lives in that token alone.

/**
 * Whom a token source should speak as. A source that holds one login (the CLI, a partner system)
 * ignores it; one that holds several (the demo seed, a test issuer) picks or mints by it.
 */
export interface ClientCaller {
  organisationId?: string;
  actorId?: string;
  role?: string;
  roles?: readonly string[];
}

/** An access token for `audience`, as `caller`; undefined sends the call without one. */
export type TokenSource = (caller: ClientCaller, audience: string) => Promise<string | undefined>;

/** `authorization: Bearer <token>`, and the relayed user's token when a service acts for one. */
export function authorizationMetadata(token: string | undefined, onBehalfOf?: string): Metadata {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set(AUTHORIZATION_HEADER, `Bearer ${token}`);
  if (onBehalfOf !== undefined) metadata.set(ON_BEHALF_OF_HEADER, onBehalfOf);
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

/** Calls one unary method of a generated client as a promise, with the given metadata and a deadline. */
export function callUnary<Req, Res>(
  client: Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
  timeoutMs = 10_000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, { deadline: Date.now() + timeoutMs }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

export interface GrpcClientOptions {
  /** The called service's audience, e.g. `urn:kopru:intake`. */
  audience: string;
  tokens: TokenSource;
  /** A user's access token to relay (`kopru-on-behalf-of`) when a service calls for that user. */
  onBehalfOf?: string;
  /** Deadline of each call. Default 20 s. */
  timeoutMs?: number;
  /** Turns a failed call's error into the caller's own (e.g. one naming the service and address). */
  mapError?: (error: unknown, method: string) => unknown;
}

/**
 * A generated grpc-js client bound to a caller: `await api.call("createReferral", request)` resolves
 * to that RPC's response type, with the request type checked against the contract. `as()` calls
 * over the same channel as another caller (another token from the same source).
 */
export class GrpcClient<C extends Client> {
  constructor(
    readonly client: C,
    readonly caller: ClientCaller,
    readonly options: GrpcClientOptions,
  ) {}

  async call<K extends MethodOf<C>>(method: K, request: RequestOf<C[K]>): Promise<ResponseOf<C[K]>> {
    const unaryMethod = this.client[method] as unknown as UnaryMethod<RequestOf<C[K]>, ResponseOf<C[K]>>;
    try {
      const token = await this.options.tokens(this.caller, this.options.audience);
      return await callUnary(
        this.client,
        unaryMethod,
        request,
        authorizationMetadata(token, this.options.onBehalfOf),
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

/** `grpcClient(IntakeServiceClient, "127.0.0.1:50051", channelCredentials(tls), caller, { audience, tokens })`. */
export function grpcClient<C extends Client>(
  ClientClass: new (address: string, channelCredentials: ChannelCredentials) => C,
  address: string,
  credentials: ChannelCredentials,
  caller: ClientCaller,
  options: GrpcClientOptions,
): GrpcClient<C> {
  return new GrpcClient(new ClientClass(address, credentials), caller, options);
}

/** The audience of a Köprü service's gRPC API. */
export function serviceAudience(service: string): string {
  return `urn:kopru:${service}`;
}
