import type { ChannelCredentials, Client } from "@grpc/grpc-js";
import { CoordinationServiceClient } from "@kopru/contracts/coordination/v1/coordination_service";
import { IntakeServiceClient } from "@kopru/contracts/intake/v1/intake_service";
import { NotificationServiceClient } from "@kopru/contracts/notification/v1/notification_service";
import { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import {
  type ClientCaller,
  GrpcClient,
  type MethodOf,
  type RequestOf,
  type ResponseOf,
  serviceAudience,
  type TokenSource,
} from "@kopru/service-kit";
import { GrpcCallError, isServiceError } from "./errors.js";
import type { ReceivingService, ServiceName } from "./services.js";

export type { MethodOf, RequestOf, ResponseOf };

/** One service, called as one organisation: `api.call("listInbox", request)`. */
export interface Api<C> {
  readonly service: ServiceName;
  readonly address: string;
  call<K extends MethodOf<C>>(method: K, request: RequestOf<C[K]>): Promise<ResponseOf<C[K]>>;
  /** The same connection, called as another organisation or actor. */
  as(caller: ClientCaller): Api<C>;
}

/** The shared typed client, naming its service and address when a call fails (GrpcCallError). */
export class GrpcApi<C extends Client> extends GrpcClient<C> implements Api<C> {
  constructor(
    client: C,
    readonly service: ServiceName,
    readonly address: string,
    caller: ClientCaller,
    readonly tokens: TokenSource,
    readonly timeoutMs = 20_000,
  ) {
    super(client, caller, {
      audience: serviceAudience(service),
      tokens,
      timeoutMs,
      mapError: (error, method) =>
        isServiceError(error)
          ? new GrpcCallError(service, address, method, error.code, error.details, { cause: error })
          : error,
    });
  }

  override as(caller: ClientCaller): GrpcApi<C> {
    return new GrpcApi(this.client, this.service, this.address, caller, this.tokens, this.timeoutMs);
  }
}

/** How commands reach the network; tests pass a recording fake. */
export interface Gateway {
  /**
   * Whom `--as` (an organisation id or a login's username) stands for; without it, the current
   * login. Undefined when nothing is known.
   */
  acting(as: string | undefined): { organisationId: string; username?: string } | undefined;
  intake(caller: ClientCaller): Api<IntakeServiceClient>;
  coordination(caller: ClientCaller): Api<CoordinationServiceClient>;
  inbox(service: ReceivingService, caller: ClientCaller): Api<ReferralInboxServiceClient>;
  /** The caller's own notifications (a staff login). */
  notifications(caller: ClientCaller): Api<NotificationServiceClient>;
  close(): void;
}

/** How the gateway connects: mutual TLS credentials, tokens, and where each service listens. */
export interface Connection {
  credentials: ChannelCredentials;
  tokens: TokenSource;
  address(service: ServiceName): string;
  acting: Gateway["acting"];
}

/** The real gateway: one lazily-made channel per service, over the connection's TLS and tokens. */
export function grpcGateway(connection: Connection, timeoutMs = 20_000): Gateway {
  const open = new Map<ServiceName, GrpcApi<Client>>();
  const secure = connection.credentials;
  function get<C extends Client>(
    service: ServiceName,
    make: (address: string) => C,
    caller: ClientCaller,
  ): GrpcApi<C> {
    let api = open.get(service) as GrpcApi<C> | undefined;
    if (!api) {
      const address = connection.address(service);
      api = new GrpcApi(make(address), service, address, caller, connection.tokens, timeoutMs);
      open.set(service, api as unknown as GrpcApi<Client>);
    }
    return api.as(caller);
  }
  return {
    acting: connection.acting,
    intake: (caller) => get("intake", (a) => new IntakeServiceClient(a, secure), caller),
    coordination: (caller) => get("coordination", (a) => new CoordinationServiceClient(a, secure), caller),
    inbox: (service, caller) => get(service, (a) => new ReferralInboxServiceClient(a, secure), caller),
    notifications: (caller) => get("notifications", (a) => new NotificationServiceClient(a, secure), caller),
    close() {
      for (const api of open.values()) api.close();
      open.clear();
    },
  };
}
