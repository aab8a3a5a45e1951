export { type MatchCriteria, rankOfferings } from "./matching.js";
export { DirectoryReplica, directoryMigrations, directoryReplicaConsumer } from "./replica.js";
