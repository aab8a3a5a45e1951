export { gatewayService, gatewaySpec, HTTP_READY, ROUTES, SERVICE_NAME } from "./app.js";
export { CSV_COLUMNS } from "./application/csv-import.js";
export { type GatewayConfig, gatewayEnv } from "./config.js";
export { GATEWAY_ERRORS } from "./domain/errors.js";
export { gatewayMigrations } from "./migrations.js";
