import type { ClientCaller } from "@kopru/service-kit";
import type { Command } from "commander";
import { CliUsageError } from "./errors.js";
import type { Gateway } from "./grpc.js";
import {
  isReceivingService,
  RECEIVING_SERVICES,
  type ReceivingService,
  serviceForOrganisation,
} from "./services.js";

/** What a command needs from outside: the network, where to print, the time and fresh ids. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  now(): Date;
  /** A fresh idempotency key (UUID) for a write. */
  newId(): string;
}

export interface GlobalOptions {
  as?: string;
  via?: string;
  json?: boolean;
}

/** The `toJSON` of a generated message type. */
export interface JsonCodec<T> {
  toJSON(message: T): unknown;
}

export class CommandContext {
  constructor(
    readonly gateway: Gateway,
    readonly io: CliIo,
    readonly global: GlobalOptions,
  ) {}

  static of(command: Command, gateway: Gateway, io: CliIo): CommandContext {
    return new CommandContext(gateway, io, command.optsWithGlobals<GlobalOptions>());
  }

  get json(): boolean {
    return this.global.json === true;
  }

  /**
   * The acting organisation: the one `--as` names (an organisation, or one of your logins), else the
   * organisation of your current login. Who you are comes from your login's token, never from here.
   */
  get organisation(): string {
    const acting = this.gateway.acting(this.global.as?.trim() || undefined);
    if (!acting) {
      throw new CliUsageError(
        "log in first (pnpm kopru login --user <username>), or pass --as <organisation-id | username>",
      );
    }
    return acting.organisationId;
  }

  /** Which login a call goes out with: the one `--as` names, else one of `defaults.organisationId`'s. */
  caller(defaults: { organisationId?: string; role?: string } = {}): ClientCaller {
    const as = this.global.as?.trim() || undefined;
    const acting = as ? this.gateway.acting(as) : undefined;
    const organisationId = acting?.organisationId ?? defaults.organisationId ?? this.organisation;
    return {
      organisationId,
      ...(acting?.username ? { actorId: acting.username } : {}),
      ...(defaults.role ? { role: defaults.role } : {}),
    };
  }

  /** The receiving service that hosts the acting organisation (or `--via`). */
  receivingService(): ReceivingService {
    const chosen = this.global.via ?? serviceForOrganisation(this.organisation);
    if (chosen && isReceivingService(chosen)) return chosen;
    throw new CliUsageError(
      `cannot tell which service hosts ${this.organisation}'s inbox; pass --via <${RECEIVING_SERVICES.join("|")}>`,
    );
  }

  /** Prints `response` as JSON with --json, otherwise the human rendering. */
  print<T>(codec: JsonCodec<T>, response: T, human: () => string): void {
    this.io.out(this.json ? JSON.stringify(codec.toJSON(response), null, 2) : human());
  }
}

/** Collects a repeatable option: `--data identity --data contact` and `--data identity,contact`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
