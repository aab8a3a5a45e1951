export { type MatchCriteria, rankOfferings } from "./matching.js";
export {
  DirectoryReplica,
  directoryMigrations,
  directoryReplicaConsumer,
  type PublicSealingKey,
} from "./replica.js";
