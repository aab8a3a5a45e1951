import type { Database, Sql } from "@kopru/storage";
import type { ReferralLookup } from "./referrals.js";

/** One transaction per command: everything inside commits together (events included), or nothing does. */
export interface UnitOfWork<Tx> {
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * A unit of work over the service's database: `portsFor` gives the ports of one transaction and is told
 * how to report an event written to the outbox; after a commit that wrote events, the relay is woken.
 */
export function sqlUnitOfWork<Tx>(
  db: Database,
  portsFor: (sql: Sql, onEvent: () => void) => Tx,
  wakeRelay: () => void,
): UnitOfWork<Tx> {
  return {
    async run(work) {
      let wroteEvents = false;
      const result = await db.transaction((sql) =>
        work(
          portsFor(sql, () => {
            wroteEvents = true;
          }),
        ),
      );
      if (wroteEvents) wakeRelay();
      return result;
    },
  };
}

/**
 * The ports of one transaction of a receiving service: the transaction itself for casework's rules
 * (the person's lock, request ids), the service's own tables, the referrals it received and its
 * case events.
 */
export interface CaseworkTx<Store, Events> {
  sql: Sql;
  store: Store;
  referrals: ReferralLookup;
  events: Events;
}

/** The time a use case acts at (tests set it). */
export interface Clock {
  now(): Date;
}

/** What every receiving service's use cases are given: one transaction per command, and the clock. */
export interface ReceivingDeps<Tx> {
  uow: UnitOfWork<Tx>;
  clock: Clock;
}
