import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { Knex } from "knex";
import { migrateLatest, openDatabase, type DatabaseOptions } from "../../src/storage/database.js";

/**
 * Isolated databases for tests, one per test file (or per suite): a fresh
 * Postgres database `herald_t_<random>` on the server named by
 * HERALD_TEST_DATABASE_URL (default postgres://127.0.0.1:5432/test), or a
 * fresh PGlite instance in a temporary directory (or in memory).
 */
export const ADMIN_DATABASE_URL = withUser(process.env.HERALD_TEST_DATABASE_URL || "postgres://127.0.0.1:5432/test");

/** pg takes a missing user name from $USER, which CI containers often lack: default to PGUSER or postgres. */
function withUser(url: string): string {
  const u = new URL(url);
  if (u.username === "") u.username = process.env.PGUSER || "postgres";
  return u.toString();
}

export interface TestDatabase {
  /** What `openDatabase` takes. */
  options: DatabaseOptions;
  /** What `loadConfig` takes to use this database (DATABASE_URL or HERALD_DATA_DIR). */
  env: Record<string, string>;
  /** Postgres only: the database's URL. */
  url?: string;
  /** Opens a new knex on this database (PGlite: only while no Herald node holds it). */
  open(): Knex;
  /** Removes the database and everything in it. Idempotent. */
  drop(): Promise<void>;
}

export interface Backend {
  name: "postgres" | "pglite";
  create(options?: { memory?: boolean }): Promise<TestDatabase>;
}

function randomName(): string {
  return `herald_t_${randomBytes(6).toString("hex")}`;
}

/** Runs `fn` on a short-lived admin connection. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>, url = ADMIN_DATABASE_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Replaces the database name of a postgres:// URL. */
export function databaseUrl(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh database on the real Postgres server. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = randomName();
  await withAdmin((c) => c.query(`create database "${name}"`));
  const url = databaseUrl(ADMIN_DATABASE_URL, name);
  const options: DatabaseOptions = { kind: "postgres", url, poolMax: 10 };
  let dropped: Promise<void> | undefined;
  return {
    options,
    env: { DATABASE_URL: url },
    url,
    open: () => openDatabase(options),
    drop() {
      dropped ??= withAdmin(async (c) => {
        await c.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [name]);
        await c.query(`drop database if exists "${name}" with (force)`);
      });
      return dropped;
    },
  };
}

/** A fresh PGlite database: in a new temporary directory, or in memory (`memory: true`, knex only). */
export async function createPgliteDatabase(opts: { memory?: boolean } = {}): Promise<TestDatabase> {
  if (opts.memory) {
    const options: DatabaseOptions = { kind: "pglite", dataDir: null };
    return { options, env: {}, open: () => openDatabase(options), drop: async () => {} };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "herald-pglite-"));
  const options: DatabaseOptions = { kind: "pglite", dataDir: dir };
  return {
    options,
    env: { HERALD_DATA_DIR: dir },
    open: () => openDatabase(options),
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Both storage backends; suites run once on each: `for (const backend of BACKENDS) describe(...)`. */
export const BACKENDS: readonly Backend[] = [
  { name: "postgres", create: () => createPostgresDatabase() },
  { name: "pglite", create: (o) => createPgliteDatabase(o) },
];

export const POSTGRES: Backend = BACKENDS[0]!;
export const PGLITE: Backend = BACKENDS[1]!;

/** A database opened with knex, for tests of the storage layer. */
export interface OpenTestDatabase {
  db: Knex;
  /** Destroys the knex, then drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh database of `backend` (PGlite in memory), opened with knex and
 * migrated to the latest schema. If the migration fails, the database is
 * closed and dropped before the error is rethrown.
 */
export async function openMigratedDatabase(backend: Backend): Promise<OpenTestDatabase> {
  const tdb = await backend.create({ memory: true });
  const db = tdb.open();
  const close = async () => {
    await db.destroy();
    await tdb.drop();
  };
  try {
    await migrateLatest(db);
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { db, close };
}
