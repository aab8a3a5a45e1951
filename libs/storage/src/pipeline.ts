import type { Sql } from "./database.js";

type Works = readonly (() => Promise<unknown>)[];
type Results<T extends Works> = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };

/**
 * Runs pieces of work of one transaction, each issuing its statement before anything else it awaits,
 * in the order given. On a pipelined connection (`sql.pipelined`, a PostgreSQL transaction) they are
 * all started at once: their statements reach the server in this order, one after another, in one
 * round trip instead of one each, and lock in the same order as if awaited one by one. Elsewhere
 * (PGlite, the pool outside a transaction) each is awaited before the next starts.
 *
 * Every piece is waited for, whatever happens; the first to fail, in the order given, is the error
 * thrown (one behind it failing only says the transaction was already aborted). A piece whose
 * statement depends on the rows of an earlier one must issue it synchronously, with nothing awaited
 * before, or the two must go in separate calls.
 */
export async function allInOrder<const T extends Works>(sql: Sql, works: T): Promise<Results<T>> {
  if (!sql.pipelined) {
    const values: unknown[] = [];
    for (const work of works) values.push(await work());
    return values as Results<T>;
  }
  const settled = await Promise.allSettled(works.map((work) => work()));
  for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as Results<T>;
}
