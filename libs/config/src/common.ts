import { z } from "zod";
import { csv, logLevel, nonEmptyString, optionalUrl, url } from "./fields.js";

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
  /** Read by `@kopru/observability/register`; listed here so `.env.example` documents it. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl({ protocols: ["http", "https"] }),
});

export type CommonServiceConfig = z.output<typeof commonServiceEnv>;
