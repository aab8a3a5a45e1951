export { TRACKING_CONSUMER } from "./adapters/messaging/status-consumer.js";
export { type CoordinationOptions, coordinationService, coordinationSpec } from "./app.js";
export { SERVICE_NAME } from "./application/deps.js";
export { type CoordinationConfig, coordinationEnv } from "./config.js";
export { coordinationMigrations, coordinationTables } from "./migrations.js";
