import pg from "pg";

/** Counts rows, in every table of a database, holding `needle` as text or inside binary columns. */
export async function findPersonalData(url: string, needles: readonly string[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const byteaColumns = await client.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'bytea'",
    );
    const hits: string[] = [];
    for (const needle of needles) {
      for (const { table_name } of tables.rows) {
        const text = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM "${table_name}" t WHERE t::text ILIKE '%' || $1 || '%'`,
          [needle],
        );
        if (Number(text.rows[0]?.n) > 0) hits.push(`${table_name} (text): ${needle}`);
      }
      for (const { table_name, column_name } of byteaColumns.rows) {
        const binary = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM "${table_name}" WHERE position(convert_to($1, 'UTF8') in "${column_name}") > 0`,
          [needle],
        );
        if (Number(binary.rows[0]?.n) > 0) hits.push(`${table_name}.${column_name} (binary): ${needle}`);
      }
    }
    return hits;
  } finally {
    await client.end();
  }
}

export async function query<R extends pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}
