import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { type BusLayout, type StreamDefinition, validateLayout } from "./layout.js";

function streamConfig(definition: StreamDefinition): Partial<StreamConfig> & { name: string } {
  return {
    name: definition.name,
    subjects: [...definition.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(definition.maxAgeMs),
    duplicate_window: nanos(definition.duplicateWindowMs),
    num_replicas: definition.replicas ?? 1,
  };
}

/**
 * Creates or updates every stream of the layout. Idempotent: every service may call it at every
 * start, in any order.
 */
export async function provisionStreams(jsm: JetStreamManager, layout: BusLayout): Promise<void> {
  validateLayout(layout);
  for (const definition of [...layout.streams, layout.deadLetterStream]) {
    const config = streamConfig(definition);
    const existing = await jsm.streams.info(definition.name).catch(() => undefined);
    if (!existing) {
      await jsm.streams.add(config).catch(async (error) => {
        // Another instance created it between our look and our add.
        if (!(await jsm.streams.info(definition.name).catch(() => undefined))) throw error;
      });
      continue;
    }
    const current = existing.config;
    const changed =
      current.max_age !== config.max_age ||
      current.duplicate_window !== config.duplicate_window ||
      current.subjects.join(",") !== config.subjects?.join(",");
    if (changed) await jsm.streams.update(definition.name, config);
  }
}
