import type { Producer } from "@kopru/bus";
import type { Clock } from "@kopru/service-kit";
import type { Database } from "@kopru/storage";
import type { Access } from "../domain/access.js";
import type {
  DirectoryRepository,
  ErasureTrackingRepository,
  PlacesRepository,
  TrackingRepository,
} from "./ports.js";

export const SERVICE_NAME = "coordination";

/** What the use cases run on; built once in app.ts. */
export interface CoordinationDeps {
  db: Database;
  clock: Clock;
  directory: DirectoryRepository;
  tracking: TrackingRepository;
  /** Live capacity counts (free places of the offerings). */
  places: PlacesRepository;
  /** Network-wide erasure requests and their holders' confirmations (ADR 0023). */
  erasures: ErasureTrackingRepository;
  /** Wakes the outbox relay after a commit that wrote events, so they leave at once. */
  afterCommit(): void;
  /** Figures for groups smaller than this are withheld. */
  minCellSize: number;
}

/** Events coordination writes are produced by the coordination service, for the caller's organisation. */
export function producerFor(access: Access): Producer {
  return { organisationId: access.organisationId, service: SERVICE_NAME };
}

/** A time for a row's new `updated_at` that never goes back (replicas keep the newest by it). */
export function notBefore(now: Date, previous: Date | undefined): Date {
  return previous && previous.getTime() > now.getTime() ? previous : now;
}
