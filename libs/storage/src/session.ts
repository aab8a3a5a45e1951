import { createHash } from "node:crypto";
import type pg from "pg";
import type { QueryResult, Sql } from "./database.js";
import { DatabaseUnavailableError } from "./errors.js";
import { guard } from "./guard.js";

/** The parts of a pg client's socket that let several messages leave in one write. */
interface Corkable {
  cork?: () => void;
  uncork?: () => void;
}

/**
 * One checked-out pg connection driving a transaction in pipeline mode. Statements the caller
 * queues with `prefix` (BEGIN, SAVEPOINT) are not sent on their own: they travel in the same write
 * as the next statement and the client does not wait for their answer before sending it, which
 * saves a round trip each. A transaction whose work sent nothing never sent its BEGIN either.
 *
 * pg's pipeline mode is switched on only while the connection is checked out here; `release` puts
 * it back as the pool lent it, or destroys it when it broke or still had a statement outstanding
 * (work that did not await a query), so no answer can land on the next borrower's query.
 */
export class PipelinedSession {
  private pending: string[] = [];
  private outstanding = 0;
  /** A statement reached the server since the last `markClean` (there is something to end). */
  private sent = false;
  /**
   * The last statement failed. pg rejects a failed statement before it reads the ReadyForQuery that
   * carries the transaction's status, so until then the status still says the transaction is fine.
   */
  private lastFailed = false;
  /** Statements of this tick are held in the socket and leave in one write on the next tick. */
  private corked = false;
  broken = false;
  private readonly onLost = () => {
    this.broken = true;
  };

  private constructor(
    private readonly client: pg.PoolClient,
    readonly location: string,
  ) {
    // A checked-out client whose server goes away emits 'error'; without a listener that is an
    // uncaught exception. The failing query reports it; here we only mark the client as lost.
    client.on("error", this.onLost);
    setPipeline(client, true);
  }

  static async open(pool: pg.Pool, location: string): Promise<PipelinedSession> {
    const client = await guard(location, () => pool.connect());
    return new PipelinedSession(client, location);
  }

  /** Queues a statement (no parameters) to go out with the next one. */
  prefix(statement: string): void {
    this.pending.push(statement);
  }

  /**
   * Takes back a queued statement that has not been sent yet (a unit that ran no statement needs no
   * savepoint). Returns false when it already went out.
   */
  withdraw(statement: string): boolean {
    const at = this.pending.lastIndexOf(statement);
    if (at < 0) return false;
    this.pending.splice(at, 1);
    return true;
  }

  /** Whether anything reached the server: a transaction with nothing sent has nothing to commit. */
  get started(): boolean {
    return this.sent;
  }

  /**
   * Whether the open transaction is aborted: a statement failed and nothing rolled back to a
   * savepoint since (pg reports it with every answer). A COMMIT now would quietly roll back.
   */
  get aborted(): boolean {
    return this.lastFailed || this.client.getTransactionStatus() === "E";
  }

  /**
   * Sends one of the session's own statements (COMMIT, ROLLBACK TO) after anything queued; returns
   * the server's command tag (a COMMIT of an aborted transaction answers ROLLBACK).
   */
  async run(text: string): Promise<string> {
    return (await this.flushAndSend(text)).command;
  }

  async query<Row extends object>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const result = await this.flushAndSend(text, params);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  }

  /** Sends what is queued and `text` in one write, without waiting in between. */
  private async flushAndSend(text: string, params?: readonly unknown[]): Promise<pg.QueryResult> {
    if (this.pending.length === 0) return this.send(text, params);
    const preamble = this.pending.join("; ");
    this.pending = [];
    const stream = this.stream();
    stream.cork?.();
    let before: Promise<pg.QueryResult>;
    let main: Promise<pg.QueryResult>;
    try {
      before = this.send(preamble);
      main = this.send(text, params);
    } finally {
      stream.uncork?.();
    }
    const [first, second] = await Promise.allSettled([before, main]);
    // The preamble failing explains why the statement behind it failed: report that one.
    if (first.status === "rejected") throw first.reason;
    if (second.status === "rejected") throw second.reason;
    return second.value;
  }

  async exec(text: string): Promise<void> {
    // A simple-protocol text may hold several statements: the queued ones simply go first.
    const preamble = this.pending.length > 0 ? `${this.pending.join("; ")};\n` : "";
    this.pending = [];
    await this.send(`${preamble}${text}`);
  }

  /** The session as the `Sql` a unit of work sees. */
  sql(): Sql {
    return {
      pipelined: true,
      query: (text, params) => this.query(text, params),
      exec: (text) => this.exec(text),
    };
  }

  private async send(text: string, params?: readonly unknown[]): Promise<pg.QueryResult> {
    if (this.broken) throw new DatabaseUnavailableError(this.location);
    this.outstanding += 1;
    this.sent = true;
    this.corkForThisTick();
    try {
      const name = params === undefined ? undefined : statementName(text);
      const result = await guard(this.location, () =>
        name === undefined
          ? this.client.query(text, params as unknown[] | undefined)
          : this.client.query({ name, text, values: params as unknown[] }),
      );
      this.lastFailed = false;
      return result;
    } catch (error) {
      this.lastFailed = true;
      if (error instanceof DatabaseUnavailableError) this.broken = true;
      throw error;
    } finally {
      this.outstanding -= 1;
    }
  }

  /**
   * Statements started in the same tick (work sent without awaiting each, see `allInOrder`) leave
   * in one socket write instead of one each.
   */
  private corkForThisTick(): void {
    if (this.corked) return;
    const stream = this.stream();
    if (!stream.cork || !stream.uncork) return;
    this.corked = true;
    stream.cork();
    process.nextTick(() => {
      this.corked = false;
      stream.uncork?.();
    });
  }

  private stream(): Corkable {
    return (this.client as unknown as { connection: { stream: Corkable } }).connection.stream;
  }

  /** Returns the connection to the pool, or destroys it when it cannot be trusted any more. */
  release(): void {
    this.client.off("error", this.onLost);
    const destroy = this.broken || this.outstanding > 0;
    if (!destroy) setPipeline(this.client, false);
    this.client.release(destroy);
  }
}

function setPipeline(client: pg.PoolClient, on: boolean): void {
  (client as unknown as { pipeline: boolean }).pipeline = on;
}

/**
 * Statements with parameters are prepared once per connection under a name derived from their text:
 * the server parses and plans them once instead of on every execution, and the client sends no
 * Parse message after the first. The code holds a bounded set of statement texts; past the bound
 * (texts built at run time in unusual numbers) statements go unnamed, as before, so no connection
 * keeps an unbounded number of prepared statements.
 */
const MAX_NAMED_STATEMENTS = 512;
const statementNames = new Map<string, string>();

function statementName(text: string): string | undefined {
  const known = statementNames.get(text);
  if (known !== undefined || statementNames.size >= MAX_NAMED_STATEMENTS) return known;
  // The operation leads the name: tracing names a prepared statement's span after it
  // (`pg.query:<name> <database>`), and an operator reading a trace needs the verb, not a hash.
  const operation = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? "SQL";
  const name = `${operation} ${createHash("sha256").update(text).digest("base64url").slice(0, 16)}`;
  statementNames.set(text, name);
  return name;
}
