import type { Database, Sql } from "@kopru/storage";
import type { Tx, UnitOfWork } from "../../application/ports.js";
import { caseEvents } from "../messaging/case-events.js";
import { protectionStore } from "./protection-store.js";
import { referralLookup } from "./referrals.js";

/** The ports of one transaction (also used inside the referral library's accepting transaction). */
export function portsFor(sql: Sql, service: string, onEvent: () => void = () => {}): Tx {
  return {
    store: protectionStore(sql),
    referrals: referralLookup(sql),
    events: caseEvents(sql, service, onEvent),
  };
}

/** One database transaction per command; wakes the outbox relay after a commit that wrote events. */
export function sqlUnitOfWork(db: Database, service: string, wakeRelay: () => void): UnitOfWork {
  return {
    async run(work) {
      let wroteEvents = false;
      const result = await db.transaction((tx) =>
        work(
          portsFor(tx, service, () => {
            wroteEvents = true;
          }),
        ),
      );
      if (wroteEvents) wakeRelay();
      return result;
    },
  };
}
