import type { Knex } from "knex";
import pg from "pg";

/**
 * A hot statement that Postgres parses and plans once per pooled connection
 * (a named statement of the extended protocol) instead of once per call: for
 * the one-row sends of a busy node, planning the insert's CTE cost about as
 * much as running it (0.2-0.3 ms of 0.4-0.8 ms). The text is written for
 * knex (`?` placeholders, none of them inside the SQL otherwise); on a
 * connection that is not node-postgres's (the embedded PGlite) it runs as
 * `knex.raw`. Errors are the driver's, as from `knex.raw`: callers map them.
 */
export class PreparedStatement {
  readonly #name: string;
  readonly #knexText: string;
  readonly #pgText: string;

  constructor(name: string, knexText: string, params: number) {
    let n = 0;
    this.#pgText = knexText.replace(/\?/g, () => `$${++n}`);
    if (n !== params) throw new Error(`statement ${name}: ${n} placeholders, expected ${params}`);
    this.#name = name;
    this.#knexText = knexText;
  }

  /** Runs the statement with `values` (outside a transaction: autocommit) and returns its rows. */
  async rows<R>(db: Knex, values: unknown[]): Promise<R[]> {
    const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<unknown> };
    const conn = await client.acquireConnection();
    if (!(conn instanceof pg.Client)) {
      await client.releaseConnection(conn);
      return (await db.raw(this.#knexText, values as Knex.RawBinding[])).rows as R[];
    }
    try {
      return (await conn.query({ name: this.#name, text: this.#pgText, values })).rows as R[];
    } finally {
      await client.releaseConnection(conn);
    }
  }
}
