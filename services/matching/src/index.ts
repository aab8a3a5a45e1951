export { MATCHING_SERVICE_NAME } from "./adapters/grpc/matching-grpc.js";
export { matchingService, SERVICE_NAME } from "./app.js";
export { type MatchingConfig, matchingEnv } from "./config.js";
export { matchingMigrations, matchingTables } from "./migrations.js";
