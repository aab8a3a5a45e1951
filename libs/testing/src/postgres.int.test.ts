import { Client } from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { closedPortUrl, createTestDatabase, postgresServer, type TestDatabase } from "./index.js";

describe("createTestDatabase", () => {
  const clients: Client[] = [];
  const databases: TestDatabase[] = [];

  async function open(url: string): Promise<Client> {
    const client = new Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})));
    await Promise.all(databases.splice(0).map((db) => db.drop()));
  });

  it("gives each caller its own empty database", async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase({ prefix: "Named DB" })]);
    databases.push(a, b);
    expect(a.name).toMatch(/^kopru_t_[0-9a-f]{12}$/);
    expect(b.name).toMatch(/^kopru_t_named_db_[0-9a-f]{12}$/);
    const client = await open(a.url);
    const { rows } = await client.query<{ db: string; tables: string }>(
      "SELECT current_database() AS db, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') AS tables",
    );
    expect(rows[0]).toEqual({ db: a.name, tables: "0" });
  });

  it("rolls back, commits visibly across connections, and SKIP LOCKED skips a locked row", async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const one = await open(db.url);
    const two = await open(db.url);
    await one.query("CREATE TABLE item (id int PRIMARY KEY, state text NOT NULL)");

    await one.query("BEGIN");
    await one.query("INSERT INTO item VALUES (1, 'rolled back')");
    await one.query("ROLLBACK");
    expect((await two.query("SELECT * FROM item")).rowCount).toBe(0);

    await one.query("BEGIN");
    await one.query("INSERT INTO item VALUES (1, 'committed')");
    await one.query("COMMIT");
    expect((await two.query("SELECT state FROM item WHERE id = 1")).rows).toEqual([{ state: "committed" }]);

    const claim = "SELECT id FROM item WHERE id = 1 FOR UPDATE SKIP LOCKED";
    await one.query("BEGIN");
    await two.query("BEGIN");
    expect((await one.query(claim)).rows).toEqual([{ id: 1 }]);
    expect((await two.query(claim)).rows).toEqual([]);
    await one.query("COMMIT");
    expect((await two.query(claim)).rows).toEqual([{ id: 1 }]);
    await two.query("COMMIT");
  });

  it("drops the database even with connections open, and dropping twice is fine", async () => {
    const db = await createTestDatabase();
    const lingering = await open(db.url);
    lingering.on("error", () => {}); // FORCE terminates it; that is the point.
    await db.drop();
    await db.drop();
    const admin = await open((await postgresServer()).adminUrl);
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [db.name]);
    expect(rowCount).toBe(0);
  });

  it("closedPortUrl gives a URL that is refused at once", async () => {
    const client = new Client({ connectionString: await closedPortUrl(), connectionTimeoutMillis: 2_000 });
    await expect(client.connect()).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
