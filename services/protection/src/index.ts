// Public surface of @kopru/protection: the service spec (tests and launchers start it) and its env schema.
export { protectionMigrations, spec } from "./app.js";
export { protectionEnv } from "./config.js";
