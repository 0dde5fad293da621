/**
 * Scenario 5: cost growth. Scenario 2's workload (targeted persistent sends:
 * each notification stored with its per-user seq and pushed to its user's open
 * connection) at 1x, 2x and 4x load, beside the raw `pg` baseline (scenario 2's
 * unnest statement) at the same multipliers (default 1x, 2x, 4x and 8x). Load is
 * concurrency, closed loop: 1x = --base-in-flight (1) call of --batch (500)
 * notifications in flight to --base-users (1,250) connected users, i.e. one
 * backend sending batch after batch; m x = m times the calls in flight and m
 * times the users (so concurrent batches still touch disjoint users and each
 * user gets --rows-per-user notifications at every multiplier). 8x is scenario
 * 2's shape (8 calls in flight over 10,000 users). Reported per
 * multiplier: stored+delivered/s (Herald) or stored/s (pg), p99 of the call and
 * of send->receive, CPU of the Herald process and of the database's Postgres
 * backends (/proc/PID/stat) in % of one core, and rows per transaction
 * (distinct xmin of the measured rows: how far Herald's send coalescer merged calls).
 *
 *   npm run bench:growth
 *   npm run bench:growth -- --multipliers 1,2,4,8 --rows-per-user 20
 *
 * Options (flag or BENCH_<NAME> env): --multipliers, --base-users,
 * --base-in-flight, --batch, --rows-per-user, --warmup-batches, --systems
 * (herald,pg), --client-procs, --max-foreign, --retries.
 */
import pg from "pg";
import { runIfMain, listOpt, numOpt } from "../lib/args.js";
import { nowMs, sleep } from "../lib/clock.js";
import { Fleet } from "../lib/fleet.js";
import { oneLine, startHeraldNode, targeted, WS_GATEWAY_MISSING, type HeraldNode } from "../lib/herald.js";
import { Histogram, summarize } from "../lib/histogram.js";
import { machineInfo } from "../lib/machine.js";
import { BoxMeter, quietRun } from "../lib/noise.js";
import { loopbackAddresses } from "../lib/net.js";
import { paced } from "../lib/pace.js";
import { backendPids, createScratchDb, postgresVersion } from "../lib/pg.js";
import { cpuSince, cpuSnapshot, threadCpuMs } from "../lib/proc.js";
import { report, type FigureDef, type ScenarioResult, type SystemResult } from "../lib/results.js";
import type { ChartSeries } from "../lib/svg.js";
import { batchParams, countGaps, INSERT_BATCH, SCHEMA, userOf } from "./targeted-persistent.js";

export interface GrowthParams {
  multipliers: number[];
  baseUsers: number;
  baseInFlight: number;
  batch: number;
  rowsPerUser: number;
  warmupBatches: number;
  clientProcs: number;
  systems: ("herald" | "pg")[];
  maxForeign: number;
  retries: number;
}

export function growthParamsFromArgs(override: { rowsPerUser?: number } = {}): GrowthParams {
  return {
    multipliers: listOpt("multipliers", ["1", "2", "4", "8"]).map(Number),
    baseUsers: numOpt("base-users", 1_250),
    baseInFlight: numOpt("base-in-flight", 1),
    batch: numOpt("batch", 500),
    rowsPerUser: override.rowsPerUser ?? numOpt("rows-per-user", 20),
    warmupBatches: numOpt("warmup-batches", 4),
    clientProcs: numOpt("client-procs", 1),
    systems: listOpt("systems", ["herald", "pg"]) as GrowthParams["systems"],
    maxForeign: numOpt("max-foreign", 0.1),
    retries: numOpt("retries", 1),
  };
}

interface Level {
  m: number;
  key: string;
  users: number;
  inFlight: number;
  rows: number;
  batches: number;
  label: string;
}

function levels(p: GrowthParams): Level[] {
  return p.multipliers.map((m) => {
    const users = p.baseUsers * m;
    const inFlight = p.baseInFlight * m;
    const rows = p.rowsPerUser * users;
    if (inFlight * p.batch > users)
      throw new Error(`at ${m}x, ${inFlight} batches of ${p.batch} in flight exceed ${users} users: concurrent batches would share users`);
    return {
      m,
      key: `x${m}`,
      users,
      inFlight,
      rows,
      batches: Math.ceil(rows / p.batch),
      label: `${m}x (${inFlight} in flight, ${users.toLocaleString("en-US")} users)`,
    };
  });
}

const PER_LEVEL: (Omit<FigureDef, "key"> & { k: string })[] = [
  { k: "perSec", label: "stored+delivered/s (pg: stored/s)", unit: "/s", better: "higher" },
  { k: "scale", label: "throughput vs 1x", unit: "ratio", better: "higher" },
  { k: "callP50", label: "call p50 (RPC / statement)", unit: "ms", better: "lower" },
  { k: "callP99", label: "call p99 (RPC / statement)", unit: "ms", better: "lower" },
  { k: "deliveryP99", label: "send->receive p99", unit: "ms", better: "lower" },
  { k: "serverCpu", label: "Herald process CPU, % of one core", unit: "%", better: "lower" },
  { k: "loopCpu", label: "Herald main thread (event loop) CPU, % of one core", unit: "%", better: "lower" },
  { k: "pgCpu", label: "Postgres backends CPU, % of one core", unit: "%", better: "lower" },
  { k: "rowsPerTx", label: "rows per transaction", unit: "count", better: "higher" },
];

export function figureDefs(p: GrowthParams): FigureDef[] {
  return levels(p).flatMap((l) =>
    PER_LEVEL.map((f) => ({ key: `${l.key}_${f.k}`, label: `${l.label}: ${f.label}`, unit: f.unit, better: f.better })),
  );
}

/** Rows per transaction of the measured rows (content.i >= 0), from their xmin. */
async function txStats(pool: pg.Pool): Promise<{ rows: number; txs: number; p50: number; max: number }> {
  const r = await pool.query<{ n: string }>(
    "select count(*) as n from notifications where (content->>'i')::numeric >= 0 group by xmin::text::bigint",
  );
  const sizes = r.rows.map((x) => Number(x.n));
  const s = summarize(sizes);
  return { rows: sizes.reduce((a, b) => a + b, 0), txs: sizes.length, p50: s.p50, max: s.max };
}

// ----------------------------------------------------------------- raw pg baseline

export async function runPgLevel(p: GrowthParams, l: Level): Promise<SystemResult> {
  const name = "raw pg (unnest + counters)";
  let db;
  try {
    db = await createScratchDb();
  } catch (err) {
    return { name, status: "failed", note: `no Postgres: ${err instanceof Error ? err.message : String(err)}`, figures: {} };
  }
  const pool = new pg.Pool({ connectionString: db.url, max: l.inFlight });
  pool.on("error", () => undefined);
  try {
    await pool.query(SCHEMA);
    // Open every pool connection (the Herald node's pool is open too), and warm up.
    let g = 0;
    await paced(
      p.warmupBatches * Math.max(1, l.inFlight / 2),
      0,
      async () => {
        const first = g;
        g += p.batch;
        // Warm-up rows get negative content.i so txStats leaves them out.
        const params = batchParams(first, p.batch, l.users);
        params[4] = (params[4] as string[]).map((c) => {
          const o = JSON.parse(c) as { t: number; i: number };
          return JSON.stringify({ t: o.t, i: -1 - o.i });
        });
        await pool.query(INSERT_BATCH, params);
      },
      l.inFlight,
    );
    const pids = await backendPids(db.name).catch(() => [] as number[]);
    const pgCpu = cpuSnapshot(pids);
    const meter = new BoxMeter();
    const self0 = process.cpuUsage();
    const hist = new Histogram();
    const first = g;
    const { startMs, endMs } = await paced(
      l.batches,
      0,
      async (b) => {
        const n = Math.min(p.batch, l.rows - b * p.batch);
        const params = batchParams(first + b * p.batch, n, l.users);
        const t0 = nowMs();
        await pool.query(INSERT_BATCH, params);
        hist.record(nowMs() - t0);
      },
      l.inFlight,
    );
    const wallMs = endMs - startMs;
    const pgCpuMs = cpuSince(pgCpu);
    const self = process.cpuUsage(self0);
    const box = meter.stop(pgCpuMs + (self.user + self.system) / 1000);
    const tx = await txStats(pool);
    const gaps = await countGaps(pool);
    const h = hist.summary();
    return {
      name,
      status: "ok",
      note: gaps > 0 ? `${gaps} users with seq gaps` : undefined,
      figures: {
        perSec: l.rows / (wallMs / 1000),
        callP50: h.p50,
        callP99: h.p99,
        pgCpu: (pgCpuMs / wallMs) * 100,
        rowsPerTx: tx.rows / tx.txs,
      },
      latency: h,
      details: {
        statementLatency: h,
        wallMs,
        pgCpuMs,
        transactions: tx,
        gaps,
        boxBusyShare: box.busyShare,
        foreignCpuShare: box.foreignShare,
      },
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
 * ===================== HERALD HOOK (scenario 5) =====================
 * As scenario 2's hook, at one load level: a fresh Herald node
 * (bench/lib/herald.ts) on its own scratch database, l.users clients u0..
 * connected, l.batches SendNotifications calls of `batch` persistent
 * notifications (one recipient each, round-robin), l.inFlight at a time. CPU of
 * the node and of its database's backends from /proc; rows per transaction
 * from the xmin of the stored rows.
 * ====================================================================
 */
export async function runHeraldLevel(p: GrowthParams, l: Level): Promise<SystemResult> {
  const name = "Herald";
  let node: HeraldNode;
  try {
    node = await startHeraldNode({ label: "herald", nodeFlags: ["--max-old-space-size=4096"] });
  } catch (err) {
    return { name, status: "skipped", note: `Herald did not start: ${oneLine(err)}`, figures: {} };
  }
  let fleet: Fleet | undefined;
  const notes: string[] = [];
  try {
    if (!node.wsListening) return { name, status: "skipped", note: WS_GATEWAY_MISSING, figures: {} };
    fleet = await Fleet.start({
      adapter: "herald",
      url: node.wsUrlTemplate,
      clients: l.users,
      procs: p.clientProcs,
      expectPerClient: p.rowsPerUser,
      localAddresses: loopbackAddresses(Math.max(1, Math.ceil(l.users / 5_000))),
      jwtSecret: node.jwtSecret,
      label: "herald",
    });
    if (fleet.connected < l.users)
      return { name, status: "failed", note: `${l.users - fleet.connected} clients failed to connect: ${fleet.firstError}`, figures: {} };
    const call = (first: number, n: number, warm: boolean) => {
      const t = nowMs();
      return Array.from({ length: n }, (_, k) => targeted(userOf(first + k, l.users), t, warm ? -1 - (first + k) : first + k, true));
    };
    let g = 0;
    await paced(
      p.warmupBatches * Math.max(1, l.inFlight / 2),
      0,
      () => {
        const first = g;
        g += p.batch;
        return node.send(call(first, p.batch, true));
      },
      l.inFlight,
    );
    await sleep(500);

    const pids = await backendPids(node.db.name).catch(() => [] as number[]);
    const serverCpu = cpuSnapshot([node.pid]);
    const loop0 = threadCpuMs(node.pid) ?? Number.NaN;
    const pgCpu = cpuSnapshot(pids);
    const clientCpu = cpuSnapshot(fleet.children.map((c) => c.pid));
    const meter = new BoxMeter();
    const self0 = process.cpuUsage();
    const rpc = new Histogram();
    const first = g;
    let lastAck = 0;
    const { startMs } = await paced(
      l.batches,
      0,
      async (b) => {
        const n = Math.min(p.batch, l.rows - b * p.batch);
        const req = call(first + b * p.batch, n, false);
        const t0 = nowMs();
        await node.send(req);
        lastAck = nowMs();
        rpc.record(lastAck - t0);
      },
      l.inFlight,
    );
    const s = await fleet.results(Math.max(20_000, 5 * (lastAck - startMs)));
    const end = Math.max(s.lastRecvMs, lastAck);
    const wallMs = end - startMs;
    const serverCpuMs = cpuSince(serverCpu);
    const loopCpuMs = (threadCpuMs(node.pid) ?? Number.NaN) - loop0;
    const pgCpuMs = cpuSince(pgCpu);
    const clientCpuMs = cpuSince(clientCpu);
    const self = process.cpuUsage(self0);
    const box = meter.stop(serverCpuMs + pgCpuMs + clientCpuMs + (self.user + self.system) / 1000);

    const check = new pg.Pool({ connectionString: node.db.url, max: 1 });
    check.on("error", () => undefined);
    let tx: Awaited<ReturnType<typeof txStats>> | undefined;
    let gaps = Number.NaN;
    try {
      tx = await txStats(check);
      gaps = await countGaps(check);
    } catch (err) {
      notes.push(`could not read Herald's tables: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await check.end();
    }
    if (s.received < s.expected) notes.push(`${s.expected - s.received} of ${s.expected} pushes not received`);
    if (gaps > 0) notes.push(`${gaps} users with seq gaps`);
    const rs = rpc.summary();
    const ds = s.hist.summary();
    const figures: Record<string, number> = {
      perSec: s.received / (wallMs / 1000),
      callP50: rs.p50,
      callP99: rs.p99,
      deliveryP99: ds.p99,
      serverCpu: (serverCpuMs / wallMs) * 100,
      loopCpu: (loopCpuMs / wallMs) * 100,
      pgCpu: (pgCpuMs / wallMs) * 100,
    };
    if (tx) figures.rowsPerTx = tx.rows / tx.txs;
    return {
      name,
      status: "ok",
      note: notes.join("; ") || undefined,
      figures,
      latency: ds,
      details: {
        storedPerSec: l.rows / ((lastAck - startMs) / 1000),
        rpcLatency: rs,
        deliveryLatency: ds,
        received: s.received,
        expected: s.expected,
        wallMs,
        serverCpuMs,
        loopCpuMs,
        pgCpuMs,
        clientCpuMs,
        clientCpuShare: clientCpuMs / wallMs,
        senderCpuShare: (self.user + self.system) / 1000 / wallMs,
        boxIrqShare: box.irqShare,
        transactions: tx,
        gaps,
        boxBusyShare: box.busyShare,
        foreignCpuShare: box.foreignShare,
      },
    };
  } catch (err) {
    return { name, status: "failed", note: [err instanceof Error ? err.message : String(err), ...notes].join("; "), figures: {} };
  } finally {
    await fleet?.stop();
    await node.stop();
  }
}

// ----------------------------------------------------------------- scenario

function combine(name: string, ls: Level[], runs: Map<string, SystemResult>): SystemResult {
  const out: SystemResult = { name, status: "failed", figures: {}, details: {}, chart: [] };
  const notes: string[] = [];
  const base = runs.get(ls[0]!.key);
  for (const l of ls) {
    const r = runs.get(l.key);
    if (!r) continue;
    out.details![l.key] = { status: r.status, note: r.note, figures: r.figures, ...r.details };
    if (r.note) notes.push(`${l.m}x: ${r.status === "ok" ? "" : `${r.status}, `}${r.note}`);
    if (r.status !== "ok") continue;
    out.status = "ok";
    for (const [k, v] of Object.entries(r.figures)) out.figures[`${l.key}_${k}`] = v;
    if (base?.status === "ok" && base.figures.perSec) out.figures[`${l.key}_scale`] = r.figures.perSec! / base.figures.perSec;
    if (r.latency)
      out.chart!.push({
        name: `${name.startsWith("Herald") ? "Herald" : "pg"} ${l.m}x${name.startsWith("Herald") ? " send->receive" : " statement"}`,
        summary: r.latency,
      });
  }
  if (out.status !== "ok" && base) out.status = base.status;
  out.note = notes.join("; ") || undefined;
  out.latency = (out.chart as ChartSeries[])[0]?.summary;
  return out;
}

export async function runGrowth(p: GrowthParams): Promise<ScenarioResult> {
  const ls = levels(p);
  const started = new Date();
  const t0 = nowMs();
  process.stdout.write(
    `\n-- cost growth: targeted persistent at ${p.multipliers.map((m) => `${m}x`).join(", ")} (1x = ${p.baseInFlight} calls of ${p.batch} in flight to ${p.baseUsers.toLocaleString("en-US")} users; ${p.rowsPerUser} notifications per user)\n`,
  );
  const say = (r: SystemResult) =>
    process.stdout.write(
      ` ${r.status}${r.status === "ok" ? ` (${Math.round(r.figures.perSec ?? 0).toLocaleString("en-US")}/s, call p99 ${r.figures.callP99?.toFixed(1)} ms${r.figures.deliveryP99 !== undefined ? `, delivery p99 ${r.figures.deliveryP99.toFixed(1)} ms` : ""}, server CPU ${Math.round(r.figures.serverCpu ?? 0)}%, pg CPU ${Math.round(r.figures.pgCpu ?? 0)}%, ${Math.round(r.figures.rowsPerTx ?? 0)} rows/tx)` : ""}${r.note ? `: ${r.note}` : ""}\n`,
    );
  const retry = (f: number) => process.stdout.write(` disturbed (${Math.round(f * 100)}% of CPU to other work), again...`);
  const heraldRuns = new Map<string, SystemResult>();
  const pgRuns = new Map<string, SystemResult>();
  for (const l of ls) {
    if (p.systems.includes("herald")) {
      process.stdout.write(`   herald ${l.label}, ${l.rows.toLocaleString("en-US")} notifications...`);
      const r = await quietRun(() => runHeraldLevel(p, l), { maxForeign: p.maxForeign, retries: p.retries, onRetry: retry });
      say(r);
      heraldRuns.set(l.key, r);
    }
    if (p.systems.includes("pg")) {
      process.stdout.write(`   raw pg ${l.label}, ${l.rows.toLocaleString("en-US")} rows...`);
      const r = await quietRun(() => runPgLevel(p, l), { maxForeign: p.maxForeign, retries: p.retries, onRetry: retry });
      say(r);
      pgRuns.set(l.key, r);
    }
  }
  const herald = p.systems.includes("herald")
    ? combine("Herald", ls, heraldRuns)
    : { name: "Herald", status: "skipped" as const, note: "not selected (--systems)", figures: {} };
  const baselines = p.systems.includes("pg") ? [combine("raw pg (unnest + counters)", ls, pgRuns)] : [];

  const notes = [
    `Closed loop: at m x, m x ${p.baseInFlight} call(s) of ${p.batch} notifications in flight to m x ${p.baseUsers.toLocaleString("en-US")} connected users, ${p.rowsPerUser} notifications per user (round-robin, so concurrent calls touch disjoint users); each Herald level on a fresh node and database, each pg level on a fresh database.`,
    "Herald throughput = pushes received / (first send - last receive); pg = rows / (first statement - last commit). Call p99: Herald's SendNotifications RPC, pg's statement. CPU in % of one core over the same span (the box has 2).",
    "Rows per transaction: measured rows / their distinct xmin. Herald's send coalescer runs at most 4 insert transactions at once and merges the calls that wait into one (up to 5,000 rows).",
  ];
  // Where does it bend: the first level whose throughput gain falls well short of its load gain.
  if (herald.status === "ok") {
    const parts: string[] = [];
    for (const l of ls) {
      const f = (k: string) => herald.figures[`${l.key}_${k}`];
      if (f("perSec") === undefined) continue;
      parts.push(
        `${l.m}x: ${Math.round(f("perSec")!).toLocaleString("en-US")}/s (${(f("scale") ?? 1).toFixed(2)}x of 1x), RPC p99 ${f("callP99")!.toFixed(0)} ms, delivery p99 ${f("deliveryP99")!.toFixed(0)} ms, Herald CPU ${Math.round(f("serverCpu")!)}% (event loop ${Math.round(f("loopCpu")!)}%), Postgres ${Math.round(f("pgCpu")!)}%, ${Math.round(f("rowsPerTx") ?? 0)} rows/tx`,
      );
    }
    notes.push(`Herald by level: ${parts.join("; ")}.`);
  }
  const machine = machineInfo();
  machine.postgres = await postgresVersion();
  const result: ScenarioResult = {
    scenario: "cost-growth",
    title: `Cost growth: targeted persistent at ${p.multipliers.map((m) => `${m}x`).join(", ")} load`,
    startedAt: started.toISOString(),
    durationSec: Math.round((nowMs() - t0) / 100) / 10,
    machine,
    params: { ...p, levels: ls },
    figures: figureDefs(p),
    herald,
    baselines,
    notes,
  };
  report(result);
  return result;
}

runIfMain(import.meta.url, () => runGrowth(growthParamsFromArgs()));
