import { type ServiceError, status } from "@grpc/grpc-js";
import { InvalidChoiceError } from "./enums.js";

/** The command line itself is wrong (a missing or malformed option). Exit code 2. */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";
}

/** A gRPC call failed; carries which service was called and where, for the message. */
export class GrpcCallError extends Error {
  override readonly name = "GrpcCallError";
  constructor(
    readonly service: string,
    readonly address: string,
    readonly method: string,
    readonly code: number,
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(`${statusName(code)}: ${details}`, options);
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === "number" &&
    typeof (error as Partial<ServiceError>).details === "string"
  );
}

/** `FAILED_PRECONDITION` for 9; the number itself for a code grpc-js does not know. */
export function statusName(code: number): string {
  const name = (status as unknown as Record<number, string | undefined>)[code];
  return name ?? `STATUS_${code}`;
}

export interface FormattedError {
  message: string;
  exitCode: number;
}

/**
 * What the user sees for a failure: the gRPC status name and the server's own message, or the usage
 * problem; never a stack trace. Exit code 2 for a wrong command line, 1 for everything else.
 */
export function formatError(error: unknown): FormattedError {
  if (error instanceof CliUsageError || error instanceof InvalidChoiceError) {
    return { message: `error: ${error.message}`, exitCode: 2 };
  }
  if (error instanceof GrpcCallError) {
    if (error.code === status.UNAVAILABLE) {
      return {
        message: `UNAVAILABLE: ${error.service} service at ${error.address} is not running; start the network with \`pnpm start\` (or set ${addressHint(error.service)})`,
        exitCode: 1,
      };
    }
    if (error.code === status.DEADLINE_EXCEEDED) {
      return {
        message: `DEADLINE_EXCEEDED: ${error.service} service at ${error.address} did not answer ${error.method} in time (${error.details})`,
        exitCode: 1,
      };
    }
    return { message: `${statusName(error.code)}: ${error.details || "(no message)"}`, exitCode: 1 };
  }
  if (isServiceError(error)) {
    return { message: `${statusName(error.code)}: ${error.details || "(no message)"}`, exitCode: 1 };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: `error: ${message}`, exitCode: 1 };
}

function addressHint(service: string): string {
  return `KOPRU_${service.toUpperCase().replaceAll("-", "_")}_ADDR`;
}
