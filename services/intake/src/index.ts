export { intakeService } from "./app.js";
export { type IntakeConfig, intakeEnv } from "./config.js";
