import { z } from "zod";
import { csv, integer, logLevel, nonEmptyString, optionalUrl, url } from "./fields.js";

/**
 * Variables every Köprü service reads. A service extends this with its own:
 * `commonServiceEnv.extend({ GRPC_PORT: port().default(50051) })`.
 * The service name is not here: each service passes its own name in code.
 */
export const commonServiceEnv = z.object({
  /** One server, or a cluster's seed servers separated by commas. */
  NATS_URL: csv(url({ protocols: ["nats", "tls"] })).default(["nats://127.0.0.1:4222"]),
  /** Absent means the embedded PGlite database under DATA_DIR. */
  DATABASE_URL: optionalUrl({ protocols: ["postgres", "postgresql"] }),
  DATA_DIR: nonEmptyString().default(".data"),
  LOG_LEVEL: logLevel().default("info"),
  GRPC_HOST: nonEmptyString().default("127.0.0.1"),
  /**
   * Calls of the service's own gRPC handlers in flight at once; past it a call is answered
   * UNAVAILABLE at once rather than queueing for a database connection.
   */
  GRPC_MAX_CALLS_IN_FLIGHT: integer({ min: 1, max: 10_000 }).default(64),
  /** Read by `@kopru/observability/register`; listed here so `.env.example` documents it. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl({ protocols: ["http", "https"] }),
});

export type CommonServiceConfig = z.output<typeof commonServiceEnv>;
