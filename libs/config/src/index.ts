export { type CommonServiceConfig, commonServiceEnv } from "./common.js";
export { checkEnvExample, checkEnvExampleFile, type EnvExampleOptions } from "./env-example.js";
export {
  boolean,
  csv,
  duration,
  type EnvField,
  envField,
  type IntegerOptions,
  integer,
  LOG_LEVELS,
  type LogLevel,
  logLevel,
  nonEmptyString,
  optionalUrl,
  type PortOptions,
  parseDuration,
  port,
  type UrlOptions,
  url,
} from "./fields.js";
export {
  ConfigError,
  type ConfigIssue,
  type Env,
  type EnvSchema,
  EX_CONFIG,
  type ExitIo,
  exitOnConfigError,
  isSecretName,
  loadConfig,
} from "./load.js";
