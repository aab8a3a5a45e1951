import { type ChannelCredentials, Client } from "@grpc/grpc-js";
import { CoordinationServiceClient } from "@kopru/contracts/coordination/v1/coordination_service";
import { IntakeServiceClient } from "@kopru/contracts/intake/v1/intake_service";
import { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import {
  authorizationMetadata,
  callUnary,
  GrpcClient,
  serviceAudience,
  type UnaryMethod,
} from "@kopru/service-kit";
import type { GatewayConfig, InboxService } from "../../config.js";
import { gatewayProblem } from "../http/problems.js";

/** The services the staff console reaches, by the name their address and audience go by. */
export type StaffCallTarget = "intake" | "coordination" | "notifications" | InboxService;

type RawMethod = UnaryMethod<Uint8Array, Uint8Array>;

/** Whose call it is: the partner's own verified token, relayed beside the gateway's. */
export interface RelayedCaller {
  organisationId: string;
  token: string;
}

/**
 * The services the partner API calls, one channel each (mutual TLS). Every call carries the
 * gateway's own service token and the partner's token in `kopru-on-behalf-of`, so the services
 * apply the partner's organisation and rights, and audit the gateway as the relay (ADR 0012, 0019).
 * A deadline shorter than the HTTP request's own keeps a slow service from holding the request.
 */
export class ServiceClients {
  readonly #intake: IntakeServiceClient;
  readonly #coordination: CoordinationServiceClient;
  readonly #inboxes = new Map<InboxService, ReferralInboxServiceClient>();
  readonly #inboxOf = new Map<string, InboxService>();
  readonly #tokens: (audience: string) => Promise<string>;
  readonly #timeoutMs: number;
  readonly #credentials: ChannelCredentials;
  readonly #addresses: Record<StaffCallTarget, string>;
  /** Channels for the console's calls, opened on first use: messages pass through as bytes. */
  readonly #raw = new Map<StaffCallTarget, Client>();

  constructor(
    config: GatewayConfig,
    credentials: ChannelCredentials,
    serviceTokens: (audience: string) => Promise<string>,
  ) {
    this.#tokens = serviceTokens;
    this.#credentials = credentials;
    this.#timeoutMs = Math.max(1_000, config.REQUEST_TIMEOUT - 2_000);
    this.#intake = new IntakeServiceClient(config.INTAKE_ADDRESS, credentials);
    this.#coordination = new CoordinationServiceClient(config.COORDINATION_ADDRESS, credentials);
    const addresses: Record<InboxService, string> = {
      protection: config.PROTECTION_ADDRESS,
      ecm: config.ECM_ADDRESS,
      "community-centre": config.COMMUNITY_CENTRE_ADDRESS,
      municipality: config.MUNICIPALITY_ADDRESS,
    };
    this.#addresses = {
      ...addresses,
      intake: config.INTAKE_ADDRESS,
      coordination: config.COORDINATION_ADDRESS,
      notifications: config.NOTIFICATIONS_ADDRESS,
    };
    for (const { organisationId, service } of config.INBOX_ORGANISATIONS) {
      this.#inboxOf.set(organisationId, service);
      if (!this.#inboxes.has(service))
        this.#inboxes.set(service, new ReferralInboxServiceClient(addresses[service], credentials));
    }
  }

  #bind<C extends Client>(client: C, service: string, caller: RelayedCaller): GrpcClient<C> {
    return new GrpcClient(
      client,
      { organisationId: caller.organisationId },
      {
        audience: serviceAudience(service),
        tokens: (_caller, audience) => this.#tokens(audience),
        onBehalfOf: caller.token,
        timeoutMs: this.#timeoutMs,
      },
    );
  }

  intake(caller: RelayedCaller): GrpcClient<IntakeServiceClient> {
    return this.#bind(this.#intake, "intake", caller);
  }

  coordination(caller: RelayedCaller): GrpcClient<CoordinationServiceClient> {
    return this.#bind(this.#coordination, "coordination", caller);
  }

  /** The inbox of the caller's organisation, at the receiving service that holds it. */
  inbox(caller: RelayedCaller): GrpcClient<ReferralInboxServiceClient> {
    const service = this.#inboxOf.get(caller.organisationId);
    const client = service ? this.#inboxes.get(service) : undefined;
    if (!service || !client)
      throw gatewayProblem(
        "inbox_not_served",
        `organisation ${caller.organisationId} receives no referrals through this API`,
      );
    return this.#bind(client, service, caller);
  }

  /** Which receiving service holds the organisation's inbox, if this gateway reaches one. */
  inboxServiceOf(organisationId: string): InboxService | undefined {
    return this.#inboxOf.get(organisationId);
  }

  /**
   * One call for a staff member of the console: their own access token for the service's audience
   * is the bearer (no relay: the console's session is theirs), the request and the answer are the
   * method's messages already encoded, so one path serves every allow-listed method.
   */
  staffCall(target: StaffCallTarget, path: string, request: Uint8Array, token: string): Promise<Uint8Array> {
    let client = this.#raw.get(target);
    if (!client) {
      client = new Client(this.#addresses[target], this.#credentials);
      this.#raw.set(target, client);
    }
    const method = function (this: Client, ...[body, metadata, options, callback]: Parameters<RawMethod>) {
      return this.makeUnaryRequest(
        path,
        (bytes: Uint8Array) => Buffer.from(bytes),
        (bytes: Buffer): Uint8Array => new Uint8Array(bytes),
        body,
        metadata,
        options,
        (error, response) => callback(error, response ?? new Uint8Array()),
      );
    };
    return callUnary(client, method, request, authorizationMetadata(token), this.#timeoutMs);
  }

  /** The audience of a service the console calls. */
  static audienceOf(target: StaffCallTarget): string {
    return serviceAudience(target);
  }

  close(): void {
    for (const client of this.#raw.values()) client.close();
    this.#intake.close();
    this.#coordination.close();
    for (const client of this.#inboxes.values()) client.close();
  }
}
