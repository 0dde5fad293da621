import os from "node:os";
import { randomBytes } from "node:crypto";
import pg from "pg";

/** Admin connection: trust auth on loopback; the scratch databases are created from it. */
export const PG_ADMIN_URL = withUser(process.env.BENCH_PG_URL ?? "postgres://127.0.0.1:5432/test");

/** Spells the role out (the OS user, as psql would): not every client defaults it (knex's pg config, or no $USER). */
function withUser(url: string): string {
  const u = new URL(url);
  if (u.username === "") u.username = process.env.PGUSER ?? process.env.USER ?? os.userInfo().username;
  return u.toString();
}

export interface ScratchDb {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!host.startsWith("127.") && host !== "localhost") throw new Error(`benchmarks stay on 127.0.0.0/8, not ${host}`);
}

/** Creates `herald_bench_<random>`; drop() removes it (forcing out any leftover sessions). */
export async function createScratchDb(): Promise<ScratchDb> {
  assertLoopback(PG_ADMIN_URL);
  const name = `herald_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function postgresVersion(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await c.connect();
    const r = await c.query<{ v: string }>("select current_setting('server_version') as v");
    return `PostgreSQL ${r.rows[0]!.v}`;
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function adminQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Server processes (backends) connected to a database, for their CPU time from /proc. */
export async function backendPids(dbName: string): Promise<number[]> {
  const rows = await adminQuery<{ pid: number }>("select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [
    dbName,
  ]);
  return rows.map((r) => r.pid);
}
