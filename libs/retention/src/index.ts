export {
  DEFAULT_RUN_INTERVAL_MS,
  LONGEST_RUN_INTERVAL_MS,
  retentionEnv,
  SHORTEST_RUN_INTERVAL_MS,
} from "./config.js";
export {
  type DestructionRecord,
  RETENTION_TIMER,
  type RetentionHost,
  type RetentionLogger,
  RetentionWorker,
  type RetentionWorkerOptions,
  type RunSummary,
  retentionMigrations,
  retentionWorker,
} from "./destruction.js";
export {
  DAY_MS,
  type DataClass,
  type DestructionScope,
  type PeriodOverride,
  parsePeriodDays,
  parsePeriodOverride,
  RetentionPolicy,
  resolveRetentionPolicy,
  SERVICE_WIDE,
  type StreamRetention,
} from "./policy.js";
