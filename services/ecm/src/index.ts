// Public surface of @kopru/ecm: the service spec (tests and launchers start it) and its env schema.
export { ecmMigrations, spec } from "./app.js";
export { ecmEnv } from "./config.js";
