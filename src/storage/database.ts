import { mkdirSync } from "node:fs";
import knexFactory, { type Knex } from "knex";
import ClientPgLite from "knex-pglite";
import pg from "pg";
import * as inbox from "./migrations/20261125120000_inbox.js";
import * as bans from "./migrations/20261125120100_bans.js";

// bigint (int8) columns: keep pg's string form; rows.ts converts. Counts come back as strings too.
void pg;

export interface DatabaseLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export type DatabaseOptions =
  | { kind: "postgres"; url: string; poolMax?: number }
  | { kind: "pglite"; dataDir: string | null };

/**
 * Opens the database: real Postgres through `pg`, or the embedded PGlite on a
 * data directory (null = in memory). Both run the same knex migrations and queries.
 */
export function openDatabase(options: DatabaseOptions, logger?: DatabaseLogger): Knex {
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
  if (options.dataDir !== null) mkdirSync(options.dataDir, { recursive: true });
  return knexFactory({
    log,
    client: ClientPgLite as unknown as typeof knexFactory.Client,
    dialect: "postgres",
    connection: options.dataDir === null ? {} : { filename: options.dataDir },
  } as Knex.Config);
}

const MIGRATIONS: Record<string, Knex.Migration> = {
  "20261125120000_inbox": inbox,
  "20261125120100_bans": bans,
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

const migrationConfig: Knex.MigratorConfig = {
  migrationSource: new BuiltInMigrations(),
  tableName: "herald_migrations",
};

/**
 * Applies pending migrations. Several nodes may start at once on one database:
 * knex's lock makes all but one fail, so those retry until it is done.
 */
export async function migrateLatest(db: Knex): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
      return applied;
    } catch (err) {
      const msg = (err as Error).message ?? "";
      if (attempt >= 40 || !/already locked|already exists|duplicate key/i.test(msg)) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
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
