/**
 * Scenario 2: targeted persistent sends. Backends send batches of notifications,
 * each to one of 10,000 distinct users (all connected); each is stored with its
 * gapless per-user seq and pushed. Herald over gRPC, beside a raw `pg` baseline
 * that inserts the same rows the fastest way we know (bench/lib FACTS technique):
 * one statement per batch that takes the rows as arrays (unnest ... with
 * ordinality), upserts the per-user counters in user order and inserts the rows
 * with seq = new counter - rows of that user + row number. Also one row per call.
 *
 *   npm run bench:targeted
 *
 * Options (flag or BENCH_<NAME> env): --rows (batched rows, multiple of --users),
 * --batch (rows per batch / notifications per RPC), --in-flight, --users,
 * --unary-rows, --unary-in-flight, --systems (herald,pg), --warmup-batches.
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runIfMain, listOpt, numOpt } from "../lib/args.js";
import { nowMs, sleep } from "../lib/clock.js";
import { Fleet, type FleetSummary } from "../lib/fleet.js";
import { oneLine, startHeraldNode, targeted, WS_GATEWAY_MISSING, type HeraldNode } from "../lib/herald.js";
import { Histogram } from "../lib/histogram.js";
import { machineInfo } from "../lib/machine.js";
import { waitForQuiet } from "../lib/noise.js";
import { loopbackAddresses } from "../lib/net.js";
import { paced } from "../lib/pace.js";
import { createScratchDb, postgresVersion } from "../lib/pg.js";
import { procUsage } from "../lib/proc.js";
import { report, type FigureDef, type ScenarioResult, type SystemResult } from "../lib/results.js";

export interface TargetedParams {
  users: number;
  /** Rows (notifications) sent in batches; a multiple of users so each gets the same number. */
  rows: number;
  batch: number;
  inFlight: number;
  warmupBatches: number;
  /** Rows sent one per call (statement / RPC). */
  unaryRows: number;
  unaryInFlight: number;
  clientProcs: number;
  sourceAddresses: number;
  systems: ("herald" | "pg")[];
  /** Herald's database: a scratch Postgres database, or the embedded PGlite default (`--database pglite`). */
  database: "postgres" | "pglite";
}

export function targetedParamsFromArgs(): TargetedParams {
  const users = numOpt("users", 10_000);
  return {
    users,
    rows: numOpt("rows", 200_000),
    batch: numOpt("batch", 1_000),
    inFlight: numOpt("in-flight", 4),
    warmupBatches: numOpt("warmup-batches", 5),
    unaryRows: numOpt("unary-rows", 10_000),
    unaryInFlight: numOpt("unary-in-flight", 8),
    clientProcs: numOpt("client-procs", 1),
    sourceAddresses: numOpt("source-addresses", Math.max(1, Math.ceil(users / 5_000))),
    systems: listOpt("systems", ["herald", "pg"]) as TargetedParams["systems"],
    database: listOpt("database", ["postgres"])[0] === "pglite" ? "pglite" : "postgres",
  };
}

export const FIGURES: FigureDef[] = [
  { key: "storedPerSec", label: "stored/s, batches (acknowledged)", unit: "/s", better: "higher" },
  { key: "storedDeliveredPerSec", label: "stored+delivered/s, batches", unit: "/s", better: "higher" },
  { key: "batchP50", label: "batch call latency p50", unit: "ms", better: "lower" },
  { key: "batchP99", label: "batch call latency p99", unit: "ms", better: "lower" },
  { key: "batchP999", label: "batch call latency p99.9", unit: "ms", better: "lower" },
  { key: "batchMax", label: "batch call latency max", unit: "ms", better: "lower" },
  { key: "deliveryP50", label: "send->receive latency p50", unit: "ms", better: "lower" },
  { key: "deliveryP99", label: "send->receive latency p99", unit: "ms", better: "lower" },
  { key: "deliveryP999", label: "send->receive latency p99.9", unit: "ms", better: "lower" },
  { key: "unaryPerSec", label: "stored/s, one per call", unit: "/s", better: "higher" },
  { key: "unaryP50", label: "one-per-call latency p50", unit: "ms", better: "lower" },
  { key: "unaryP99", label: "one-per-call latency p99", unit: "ms", better: "lower" },
  { key: "gaps", label: "users with seq gaps", unit: "count", better: "lower" },
];

/** Recipient of global row g: round-robin, so concurrent batches touch disjoint users. */
export const userOf = (g: number, users: number) => `u${g % users}`;

// ----------------------------------------------------------------- raw pg baseline

/** The same table and indexes as Herald's inbox migration (src/storage/migrations). */
export const SCHEMA = `
create table user_counters (user_id text primary key, last_seq bigint not null default 0);
create table notifications (
  id uuid primary key,
  user_id text not null,
  seq bigint not null,
  code integer not null,
  subject text not null default '',
  content jsonb not null default '{}',
  sender_id text not null default '',
  created_at timestamptz not null,
  read_at timestamptz,
  ack_at timestamptz,
  expire_at timestamptz,
  idempotency_key text,
  constraint notifications_user_seq unique (user_id, seq)
);
create unique index notifications_user_idempotency on notifications (user_id, idempotency_key) where idempotency_key is not null;
create index notifications_user_unread on notifications (user_id, seq) where read_at is null;
create index notifications_expire on notifications (expire_at) where expire_at is not null;
`;

/**
 * One statement: rows in as arrays, counters bumped per user (in user order, so
 * concurrent batches cannot deadlock), rows stored with gapless seqs. The
 * counter row lock makes concurrent writers of one user commit in seq order.
 */
export const INSERT_BATCH = `
with input as (
  select * from unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::timestamptz[])
    with ordinality as r(id, user_id, code, subject, content, created_at, pos)
),
per_user as (
  select user_id, count(*)::bigint as n from input group by user_id
),
bumped as (
  insert into user_counters as c (user_id, last_seq)
  select user_id, n from per_user order by user_id
  on conflict (user_id) do update set last_seq = c.last_seq + excluded.last_seq
  returning user_id, last_seq
),
numbered as (
  select i.*, row_number() over (partition by i.user_id order by i.pos) as rn from input i
)
insert into notifications (id, user_id, seq, code, subject, content, created_at)
select n.id, n.user_id, b.last_seq - p.n + n.rn, n.code, n.subject, n.content, n.created_at
from numbered n join bumped b using (user_id) join per_user p using (user_id)
order by n.pos`;

export function batchParams(first: number, count: number, users: number): unknown[] {
  const ids: string[] = [];
  const userIds: string[] = [];
  const codes: number[] = [];
  const subjects: string[] = [];
  const contents: string[] = [];
  const created: string[] = [];
  const t = nowMs();
  const at = new Date().toISOString();
  for (let k = 0; k < count; k++) {
    const g = first + k;
    ids.push(randomUUID());
    userIds.push(userOf(g, users));
    codes.push(1);
    subjects.push("");
    contents.push(JSON.stringify({ t, i: g }));
    created.push(at);
  }
  return [ids, userIds, codes, subjects, contents, created];
}

const GAPS_SQL =
  "select count(*) as gaps from (select user_id from notifications group by user_id having max(seq) <> count(*) or min(seq) <> 1) x";

export async function countGaps(pool: pg.Pool): Promise<number> {
  const r = await pool.query<{ gaps: string }>(GAPS_SQL);
  return Number(r.rows[0]!.gaps);
}

/** Seq gaps and rows stored, read from Herald's Postgres database. */
async function checkPostgres(url: string): Promise<{ gaps: number; stored: number }> {
  const check = new pg.Pool({ connectionString: url, max: 1 });
  check.on("error", () => undefined);
  try {
    const gaps = await countGaps(check);
    const stored = Number((await check.query<{ n: string }>("select count(*) as n from notifications")).rows[0]!.n);
    return { gaps, stored };
  } finally {
    await check.end();
  }
}

/** The same from an embedded node's PGlite directory, opened here once the node has stopped (then removed). */
async function checkEmbedded(node: HeraldNode, dir: string): Promise<{ gaps: number; stored: number }> {
  await node.stop();
  const db = new PGlite(dir);
  try {
    const gaps = Number((await db.query<{ gaps: number }>(GAPS_SQL)).rows[0]!.gaps);
    const stored = Number((await db.query<{ n: number }>("select count(*) as n from notifications")).rows[0]!.n);
    return { gaps, stored };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runPgBaseline(p: TargetedParams): Promise<SystemResult> {
  const name = "raw pg (unnest + counters)";
  let db;
  try {
    db = await createScratchDb();
  } catch (err) {
    return {
      name,
      status: "failed",
      note: `no Postgres at 127.0.0.1:5432: ${err instanceof Error ? err.message : String(err)}`,
      figures: {},
    };
  }
  const pool = new pg.Pool({ connectionString: db.url, max: Math.max(p.inFlight, p.unaryInFlight) });
  // Idle clients still closing when the scratch database is dropped (with force) report an error: expected.
  pool.on("error", () => undefined);
  try {
    await pool.query(SCHEMA);
    let g = 0;
    // Warm-up batches (stored too: they are rows like any other, only not timed).
    for (let b = 0; b < p.warmupBatches; b++, g += p.batch) await pool.query(INSERT_BATCH, batchParams(g, p.batch, p.users));

    const batchHist = new Histogram();
    const batches = Math.ceil(p.rows / p.batch);
    const first = g;
    const { startMs, endMs } = await paced(
      batches,
      0,
      async (b) => {
        const n = Math.min(p.batch, p.rows - b * p.batch);
        const params = batchParams(first + b * p.batch, n, p.users);
        const t0 = nowMs();
        await pool.query(INSERT_BATCH, params);
        batchHist.record(nowMs() - t0);
      },
      p.inFlight,
    );
    g += p.rows;

    const unaryHist = new Histogram();
    const ufirst = g;
    const u = await paced(
      p.unaryRows,
      0,
      async (k) => {
        const params = batchParams(ufirst + k, 1, p.users);
        const t0 = nowMs();
        await pool.query(INSERT_BATCH, params);
        unaryHist.record(nowMs() - t0);
      },
      p.unaryInFlight,
    );
    const gaps = await countGaps(pool);
    const stored = Number((await pool.query<{ n: string }>("select count(*) as n from notifications")).rows[0]!.n);
    const bs = batchHist.summary();
    const us = unaryHist.summary();
    return {
      name,
      status: "ok",
      figures: {
        storedPerSec: p.rows / ((endMs - startMs) / 1000),
        batchP50: bs.p50,
        batchP99: bs.p99,
        batchP999: bs.p999,
        batchMax: bs.max,
        unaryPerSec: p.unaryRows / ((u.endMs - u.startMs) / 1000),
        unaryP50: us.p50,
        unaryP99: us.p99,
        gaps,
      },
      latency: bs,
      chart: [
        { name: `pg: ${p.batch}-row statement`, summary: bs },
        { name: "pg: 1-row statement", summary: us },
      ],
      details: { stored, expectedStored: g + p.unaryRows, batchLatency: bs, unaryLatency: us, batches },
    };
  } catch (err) {
    return { name, status: "failed", note: err instanceof Error ? err.message : String(err), figures: {} };
  } finally {
    await pool.end();
    await db.drop();
  }
}

// ----------------------------------------------------------------- Herald hook

/**
 * ===================== HERALD HOOK (scenario 2) =====================
 * Herald is started as its own process on a scratch Postgres database (see
 * bench/lib/herald.ts for the environment); p.users clients u0..u<users-1>
 * connect to ws://127.0.0.1:HERALD_HTTP_PORT/ws?token=JWT and stay connected.
 *  1. batched: p.rows / p.batch SendNotifications calls, p.inFlight at a time,
 *     each with p.batch persistent notifications to one user each (round-robin
 *     over the users, as the baseline), content {t, i};
 *  2. one per call: p.unaryRows calls of one notification, p.unaryInFlight at a time.
 * Measured: acknowledged rows/s, RPC latency, deliveries/s and send->receive
 * latency of the pushes, and afterwards the stored count and seq gaps straight
 * from Herald's database. Without the WebSocket gateway only the gRPC/storage
 * figures are measured (noted in the result).
 * ====================================================================
 */
export async function runHeraldTargeted(p: TargetedParams): Promise<SystemResult> {
  const name = "Herald";
  let node: HeraldNode;
  const embeddedDir = p.database === "pglite" ? await mkdtemp(path.join(os.tmpdir(), "herald-bench-pglite-")) : undefined;
  try {
    node = await startHeraldNode({ label: "herald", nodeFlags: ["--max-old-space-size=4096"], embeddedDir });
  } catch (err) {
    if (embeddedDir !== undefined) await rm(embeddedDir, { recursive: true, force: true });
    return { name, status: "skipped", note: `Herald did not start: ${oneLine(err)}`, figures: {} };
  }
  let fleet: Fleet | undefined;
  const notes: string[] = [];
  try {
    const perUser = Math.floor(p.rows / p.users);
    if (node.wsListening) {
      fleet = await Fleet.start({
        adapter: "herald",
        url: node.wsUrlTemplate,
        clients: p.users,
        procs: p.clientProcs,
        expectPerClient: perUser,
        localAddresses: loopbackAddresses(p.sourceAddresses),
        jwtSecret: node.jwtSecret,
        stay: true,
        label: "herald",
      });
      if (fleet.connected === 0) {
        notes.push(`no client could connect (${fleet.firstError}); delivery not measured`);
        await fleet.stop();
        fleet = undefined;
      } else if (fleet.connected < p.users)
        notes.push(`${p.users - fleet.connected} of ${p.users} clients failed to connect (${fleet.firstError})`);
    } else notes.push(WS_GATEWAY_MISSING);

    let g = 0;
    const batchOf = (first: number, n: number) => {
      const t = nowMs();
      return Array.from({ length: n }, (_, k) => targeted(userOf(first + k, p.users), t, first + k, true));
    };
    // Warm-up: stored and pushed like the rest, but i < 0 so the clients do not count them.
    for (let b = 0; b < p.warmupBatches; b++) {
      const t = nowMs();
      await node.send(Array.from({ length: p.batch }, (_, k) => targeted(userOf(g + k, p.users), t, -1 - (g + k), true)));
      g += p.batch;
    }
    await sleep(500);

    const before = procUsage(node.pid);
    const rpcHist = new Histogram();
    const batches = Math.ceil(p.rows / p.batch);
    const first = g;
    let lastAck = 0;
    const { startMs, endMs } = await paced(
      batches,
      0,
      async (b) => {
        const n = Math.min(p.batch, p.rows - b * p.batch);
        const req = batchOf(first + b * p.batch, n);
        const t0 = nowMs();
        await node.send(req);
        lastAck = nowMs();
        rpcHist.record(lastAck - t0);
      },
      p.inFlight,
    );
    g += p.rows;
    let delivered: FleetSummary | undefined;
    if (fleet) delivered = await fleet.results(Math.max(20_000, 5 * (endMs - startMs)));
    const after = procUsage(node.pid);

    if (fleet) await fleet.nextPhase(Math.floor(p.unaryRows / p.users));
    const unaryHist = new Histogram();
    const ufirst = g;
    const u = await paced(
      p.unaryRows,
      0,
      async (k) => {
        const req = batchOf(ufirst + k, 1);
        const t0 = nowMs();
        await node.send(req);
        unaryHist.record(nowMs() - t0);
      },
      p.unaryInFlight,
    );
    g += p.unaryRows;
    let unaryDelivered: FleetSummary | undefined;
    if (fleet && Math.floor(p.unaryRows / p.users) > 0) unaryDelivered = await fleet.results(Math.max(20_000, 5 * (u.endMs - u.startMs)));

    // Check storage straight from Herald's database (PGlite: once the node has stopped and let go of its directory).
    let gaps = Number.NaN;
    let stored = Number.NaN;
    try {
      ({ gaps, stored } = embeddedDir !== undefined ? await checkEmbedded(node, embeddedDir) : await checkPostgres(node.db.url));
    } catch (err) {
      notes.push(`could not read Herald's tables: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (stored !== g) notes.push(`stored ${stored} rows, sent ${g}`);

    const rs = rpcHist.summary();
    const us = unaryHist.summary();
    const figures: Record<string, number> = {
      storedPerSec: p.rows / ((lastAck - startMs) / 1000),
      batchP50: rs.p50,
      batchP99: rs.p99,
      batchP999: rs.p999,
      batchMax: rs.max,
      unaryPerSec: p.unaryRows / ((u.endMs - u.startMs) / 1000),
      unaryP50: us.p50,
      unaryP99: us.p99,
      gaps,
    };
    let deliveryLatency;
    if (delivered && delivered.received > 0) {
      deliveryLatency = delivered.hist.summary();
      figures.storedDeliveredPerSec = delivered.received / ((Math.max(delivered.lastRecvMs, lastAck) - startMs) / 1000);
      figures.deliveryP50 = deliveryLatency.p50;
      figures.deliveryP99 = deliveryLatency.p99;
      figures.deliveryP999 = deliveryLatency.p999;
      if (delivered.received < delivered.expected)
        notes.push(`${delivered.expected - delivered.received} of ${delivered.expected} pushes not received`);
    }
    return {
      name,
      status: "ok",
      note: notes.join("; ") || undefined,
      figures,
      latency: deliveryLatency ?? rs,
      chart: [
        { name: `Herald: ${p.batch}-notification RPC`, summary: rs },
        ...(deliveryLatency ? [{ name: "Herald: send->receive", summary: deliveryLatency }] : []),
        { name: "Herald: 1-notification RPC", summary: us },
      ],
      details: {
        rpcLatency: rs,
        unaryRpcLatency: us,
        deliveryLatency,
        unaryDeliveryLatency: unaryDelivered?.hist.summary(),
        delivered: delivered && {
          received: delivered.received,
          expected: delivered.expected,
          perClientMin: delivered.perClientMin,
          clientCpuMs: delivered.clientCpuMs,
        },
        stored,
        sent: g,
        serverCpuMs: before && after ? after.cpuMs - before.cpuMs : undefined,
        serverRssMiB: after ? after.rssBytes / 2 ** 20 : undefined,
      },
    };
  } catch (err) {
    return { name, status: "failed", note: [err instanceof Error ? err.message : String(err), ...notes].join("; "), figures: {} };
  } finally {
    await fleet?.stop();
    await node.stop();
  }
}

export async function runTargeted(p: TargetedParams): Promise<ScenarioResult> {
  if (p.rows % p.users !== 0) throw new Error("--rows must be a multiple of --users (each user gets the same count)");
  const started = new Date();
  const t0 = nowMs();
  process.stdout.write(
    `\n-- targeted persistent: ${p.rows.toLocaleString("en-US")} rows in batches of ${p.batch} (${p.inFlight} in flight) to ${p.users.toLocaleString("en-US")} users; ${p.unaryRows.toLocaleString("en-US")} one per call (${p.unaryInFlight} in flight)\n`,
  );
  const say = (r: SystemResult) =>
    process.stdout.write(
      ` ${r.status}${r.status === "ok" ? ` (${Math.round(r.figures.storedPerSec ?? 0).toLocaleString("en-US")} stored/s batched, ${Math.round(r.figures.unaryPerSec ?? 0).toLocaleString("en-US")}/s one per call)` : ""}${r.note ? `: ${r.note}` : ""}\n`,
    );
  let herald: SystemResult = { name: "Herald", status: "skipped", note: "not selected (--systems)", figures: {} };
  if (p.systems.includes("herald")) {
    process.stdout.write("   herald...");
    const quiet = await waitForQuiet();
    herald = await runHeraldTargeted(p);
    herald.details = { ...herald.details, busyShareBeforeStart: quiet.busyShare, waitedForQuietMs: quiet.waitedMs };
    if (quiet.busyShare >= 0.15)
      herald.note = [herald.note, `box already ${Math.round(quiet.busyShare * 100)}% busy with other work at start: noisy`]
        .filter(Boolean)
        .join("; ");
    say(herald);
  }
  const baselines: SystemResult[] = [];
  if (p.systems.includes("pg")) {
    process.stdout.write("   raw pg...");
    const quiet = await waitForQuiet();
    const r = await runPgBaseline(p);
    r.details = { ...r.details, busyShareBeforeStart: quiet.busyShare, waitedForQuietMs: quiet.waitedMs };
    if (quiet.busyShare >= 0.15)
      r.note = [r.note, `box already ${Math.round(quiet.busyShare * 100)}% busy with other work at start: noisy`]
        .filter(Boolean)
        .join("; ");
    say(r);
    baselines.push(r);
  }
  const machine = machineInfo();
  machine.postgres = await postgresVersion();
  const result: ScenarioResult = {
    scenario: p.database === "pglite" ? "targeted-persistent-pglite" : "targeted-persistent",
    title: `Targeted persistent${p.database === "pglite" ? " (Herald on the embedded PGlite)" : ""}: ${p.rows.toLocaleString("en-US")} notifications to ${p.users.toLocaleString("en-US")} users, batches of ${p.batch.toLocaleString("en-US")}`,
    startedAt: started.toISOString(),
    durationSec: Math.round((nowMs() - t0) / 100) / 10,
    machine,
    params: { ...p },
    figures: FIGURES,
    herald,
    baselines,
    notes: [
      `Batched: ${p.inFlight} batches in flight; one per call: ${p.unaryInFlight} in flight. Rows go round-robin over the users, so each gets the same count and concurrent batches touch disjoint users.`,
      "The baseline stores only (no push): its figures are the floor Herald's storage path is compared with; Herald's stored/s counts acknowledged SendNotifications rows, stored+delivered/s counts pushes received by the clients.",
      "Chart: per-call latency of each kind of call (pg statement, Herald RPC) and Herald's send->receive latency of the batched pushes.",
      "Seq gaps are counted afterwards in each database: users whose seqs are not exactly 1..count.",
    ],
  };
  report(result);
  return result;
}

runIfMain(import.meta.url, () => runTargeted(targetedParamsFromArgs()));
