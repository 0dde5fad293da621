import { mkdirSync } from "node:fs";
import knexFactory, { type Knex } from "knex";
import ClientPgLite from "knex-pglite";
import pg from "pg";
import * as inbox from "./migrations/20261125120000_inbox.js";
import * as bans from "./migrations/20261125120100_bans.js";
import * as contents from "./migrations/20261204120000_notification_contents.js";
import * as rooms from "./migrations/20261204130000_rooms.js";
import * as ackedIndex from "./migrations/20261205090000_acked_index.js";
import type { Logger } from "../domain/logger.js";
import { DataDirLock } from "./data-dir-lock.js";
import { stripSql } from "./db-errors.js";

// bigint (int8) columns: keep pg's string form; rows.ts converts. Counts come back as strings too.
void pg;

/** `maxConcurrentReads` is for the NotificationRepository (ReadGate); openDatabase ignores it. */
export type DatabaseOptions =
  | { kind: "postgres"; url: string; poolMax?: number; maxConcurrentReads?: number }
  | { kind: "pglite"; dataDir: string | null; maxConcurrentReads?: number };

/**
 * Opens the database: real Postgres through `pg`, or the embedded PGlite on a
 * data directory (null = in memory). Both run the same knex migrations and queries.
 * A PGlite data directory is locked for this process (DataDirLock; throws
 * DataDirLockedError if another process holds it) until `destroy()`.
 */
export function openDatabase(options: DatabaseOptions, logger?: Logger): Knex {
  // The lock comes before PGlite opens (and may recover) the files.
  let lock: DataDirLock | undefined;
  if (options.kind === "pglite" && options.dataDir !== null) {
    mkdirSync(options.dataDir, { recursive: true });
    lock = DataDirLock.acquire(options.dataDir);
  }
  let db: Knex;
  try {
    db = openKnex(options, logger);
  } catch (err) {
    lock?.release();
    throw err;
  }
  // knex prefixes a failed query's message with its SQL: put the driver's own
  // message back (the SQL and its size stay out of errors and logs; debug shows the SQL).
  db.on("query-error", (err: unknown, query: { sql?: string }) => {
    const e = err as { message?: unknown; code?: unknown };
    if (typeof e?.message === "string") e.message = stripSql(e.message, query?.sql);
    logger?.debug({ sql: query?.sql, sqlstate: e?.code, error: e?.message }, "database query failed");
  });
  if (lock) {
    // knex.destroy() ends in client.destroy(): the lock goes with the database.
    const held = lock;
    const client = db.client as { destroy(callback?: unknown): Promise<void> };
    const destroy = client.destroy.bind(client);
    client.destroy = async (callback?: unknown) => {
      try {
        return await destroy(callback);
      } finally {
        held.release();
      }
    };
  }
  return db;
}

function openKnex(options: DatabaseOptions, logger?: Logger): Knex {
  // knex prints to the console unless given a logger.
  const log = logger && {
    warn: (m: unknown) => logger.warn({ knex: String(m) }, "database warning"),
    error: (m: unknown) => logger.error({ knex: String(m) }, "database error"),
    debug: (m: unknown) => logger.debug({ knex: String(m) }, "database debug"),
    deprecate: (m: unknown) => logger.warn({ knex: String(m) }, "database deprecation"),
  };
  if (options.kind === "postgres") {
    return knexFactory({
      log,
      compileSqlOnError: false,
      client: "pg",
      connection: {
        connectionString: options.url,
        // A database that is down must be reported promptly, not after minutes.
        connectionTimeoutMillis: 2000,
        // The server cancels a slow statement first; the client gives up on a
        // server that stopped answering (a hang, a partition) soon after.
        statement_timeout: 3000,
        query_timeout: 3500,
        keepAlive: true,
      } as Knex.PgConnectionConfig,
      pool: { min: 0, max: options.poolMax ?? 10 },
      acquireConnectionTimeout: 3000,
    });
  }
  return knexFactory({
    log,
    compileSqlOnError: false,
    client: ClientPgLite as unknown as typeof knexFactory.Client,
    dialect: "postgres",
    connection: options.dataDir === null ? {} : { filename: options.dataDir },
  } as Knex.Config);
}

const MIGRATIONS: Record<string, Knex.Migration> = {
  "20261125120000_inbox": inbox,
  "20261125120100_bans": bans,
  "20261204120000_notification_contents": contents,
  "20261204130000_rooms": rooms,
  "20261205090000_acked_index": ackedIndex,
};

/** Migrations are compiled in (no directory scan), so they work from tsx and any bundle. */
class BuiltInMigrations implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return Object.keys(MIGRATIONS).sort();
  }
  getMigrationName(m: string): string {
    return m;
  }
  async getMigration(m: string): Promise<Knex.Migration> {
    const found = MIGRATIONS[m];
    if (!found) throw new Error(`unknown migration ${m}`);
    return found;
  }
}

const MIGRATION_TABLE = "herald_migrations";

const migrationConfig: Knex.MigratorConfig = {
  migrationSource: new BuiltInMigrations(),
  tableName: MIGRATION_TABLE,
};

const MIGRATION_LOCK_KEY = 0x6865726c; // "herl"

/**
 * Applies pending migrations. Several nodes may start at once on one
 * database: on Postgres they take turns under a session advisory lock, held on
 * a connection of its own, so knex's lock table is never set up twice. A
 * stale knex lock (a migrator that died) is then safe to clear, and is.
 * PGlite is one process with one connection: nothing to serialise.
 */
export async function migrateLatest(db: Knex): Promise<string[]> {
  if (db.client.config.client !== "pg") return runLatest(db);
  const conn = (await db.client.acquireConnection()) as pg.PoolClient;
  try {
    await conn.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      if (await db.schema.hasTable(`${MIGRATION_TABLE}_lock`)) {
        await db.raw(`delete from ?? where "index" > (select min("index") from ??)`, [
          `${MIGRATION_TABLE}_lock`,
          `${MIGRATION_TABLE}_lock`,
        ]);
        await db.migrate.forceFreeMigrationsLock(migrationConfig);
      }
      return await runLatest(db);
    } finally {
      await conn.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}

async function runLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

/** Applies the next pending migration ("up") or undoes the last applied one ("down"); returns its name, if any. */
export async function migrateStep(db: Knex, direction: "up" | "down"): Promise<string[]> {
  const [, names] = (await (direction === "up" ? db.migrate.up(migrationConfig) : db.migrate.down(migrationConfig))) as [number, string[]];
  return names;
}

/** Rolls back every migration (drops all Herald tables). */
export async function migrateDownAll(db: Knex): Promise<string[]> {
  const [, undone] = (await db.migrate.rollback(migrationConfig, true)) as [number, string[]];
  return undone;
}

export async function migrationStatus(db: Knex): Promise<{ applied: string[]; pending: string[] }> {
  const [applied, pending] = (await db.migrate.list(migrationConfig)) as [Array<{ name: string }>, Array<string>];
  return { applied: applied.map((a) => a.name), pending: pending.map(String) };
}
