/**
 * Scenario 4: idle connections. Opens authenticated connections in steps of
 * --step (a fifth of the total, at least 10,000) up to --max-connections (default 50,000), or fewer if the box
 * runs short first (memory below --min-free-gib, more than 1% of a step failing
 * to connect, or the --max-minutes budget spent), spread over 127.0.0.x source
 * addresses to pass the ~28k ephemeral ports of one address pair, each step
 * from its own load-generator process(es). After each step: the server's RSS
 * (/proc/PID/status VmRSS) and heap used (Herald: nodejs_heap_size_used_bytes
 * from /metrics; the baseline: process.memoryUsage via its control channel).
 * Per connection = (value at N - value at 0) / N. Then one notification to each
 * of a random --sample (200) of the connected users, paced at --sample-rate/s,
 * and how many arrive within 100 ms. Baseline: the raw `ws` server holding the
 * same number of idle connections. Children get `ulimit -n` raised (bash -c
 * 'ulimit -n N && exec node ...': to --nofile where the box allows it (root
 * with CAP_SYS_RESOURCE), else to the hard limit we have). When one process
 * cannot hold N sockets under that limit, the connections are spread evenly
 * over as many server processes as needed: Herald nodes clustered over a
 * nats-server child (one scratch database, the sample sent to node A), and as
 * many raw `ws` servers; memory figures are then the sum over the processes.
 * Herald gets a long heartbeat (HERALD_WS_HEARTBEAT_MS, default here 300,000)
 * so pings do not dominate.
 *
 *   npm run bench:idle
 *   npm run bench:idle -- --max-connections 100000 --step 20000
 *
 * Options (flag or BENCH_<NAME> env): --max-connections, --step,
 * --procs-per-step, --connect-concurrency, --source-addresses, --sample,
 * --sample-rate, --sample-persistent (1/0), --heartbeat-ms, --min-free-gib,
 * --max-minutes (per system), --settle-ms, --nofile (default 1,048,576),
 * --per-process (connections per server process; default: open-files limit - 1,000),
 * --eld-window-s (watch the servers' event-loop delay this long while they hold N; default 0),
 * --systems (herald,raw).
 */
import { randomInt } from "node:crypto";
import { runIfMain, listOpt, numOpt } from "../lib/args.js";
import { nowMs, sleep } from "../lib/clock.js";
import { Fleet } from "../lib/fleet.js";
import { oneLine, startHeraldNode, targeted, WS_GATEWAY_MISSING, type HeraldNode } from "../lib/herald.js";
import { Histogram } from "../lib/histogram.js";
import { machineInfo } from "../lib/machine.js";
import { baselineEld, EldSampler, heraldEld, heraldMetricsUrl, scrapeProm, type EldReading, type EldSummary } from "../lib/metrics.js";
import { quietRun } from "../lib/noise.js";
import { httpJson, loopbackAddresses } from "../lib/net.js";
import { paced } from "../lib/pace.js";
import { startNatsServer, type NatsServer } from "../lib/nats.js";
import { createScratchDb, postgresVersion, type ScratchDb } from "../lib/pg.js";
import { memAvailableBytes, procUsage, spawnTs, usableNofile, vmRssBytes, waitReady, type Child } from "../lib/proc.js";
import { report, type FigureDef, type ScenarioResult, type SystemResult } from "../lib/results.js";
import type { AdapterName } from "../load/adapters.js";
import type { TargetedRequest, TargetedResult } from "../baselines/common.js";

export interface IdleParams {
  maxConnections: number;
  step: number;
  procsPerStep: number;
  connectConcurrency: number;
  sourceAddresses: number;
  sample: number;
  sampleRate: number;
  samplePersistent: boolean;
  heartbeatMs: number;
  minFreeGiB: number;
  maxMinutes: number;
  settleMs: number;
  /** Open-files limit wanted for every child. */
  nofile: number;
  /** Connections per server process (0: what the open-files limit allows). */
  perProcess: number;
  /** Seconds to watch the servers' event-loop delay while they hold N idle connections (0: not). */
  eldWindowS: number;
  systems: ("herald" | "raw")[];
}

export function idleParamsFromArgs(override: { maxConnections?: number } = {}): IdleParams {
  const max = override.maxConnections ?? numOpt("max-connections", 50_000);
  return {
    maxConnections: max,
    // About five steps: enough points for the curve, few enough load-generator processes.
    step: numOpt("step", Math.max(10_000, Math.ceil(max / 5 / 1_000) * 1_000)),
    procsPerStep: numOpt("procs-per-step", 1),
    connectConcurrency: numOpt("connect-concurrency", 200),
    // Two runs (Herald, then the baseline) each leave their client ports in TIME_WAIT for a minute: room for both.
    sourceAddresses: numOpt("source-addresses", Math.min(250, Math.max(2, Math.ceil(max / 5_000)))),
    sample: numOpt("sample", 200),
    sampleRate: numOpt("sample-rate", 100),
    samplePersistent: numOpt("sample-persistent", 1) !== 0,
    heartbeatMs: numOpt("heartbeat-ms", 300_000),
    minFreeGiB: numOpt("min-free-gib", 2),
    maxMinutes: numOpt("max-minutes", 6),
    settleMs: numOpt("settle-ms", 3_000),
    nofile: numOpt("nofile", 1_048_576),
    perProcess: numOpt("per-process", 0),
    eldWindowS: numOpt("eld-window-s", 0),
    systems: listOpt("systems", ["herald", "raw"]) as IdleParams["systems"],
  };
}

export const FIGURES: FigureDef[] = [
  { key: "connections", label: "idle connections held", unit: "count", better: "higher" },
  { key: "rssPerConnKiB", label: "server RSS per connection", unit: "KiB", better: "lower" },
  { key: "heapPerConnKiB", label: "server heap used per connection", unit: "KiB", better: "lower" },
  { key: "rssAtNMiB", label: "server RSS at N", unit: "MiB", better: "lower" },
  { key: "connectPerSec", label: "connections opened/s", unit: "/s", better: "higher" },
  { key: "sampleWithin100", label: "sample reached within 100 ms", unit: "count", better: "higher" },
  { key: "sampleP50", label: "sample send->receive p50", unit: "ms", better: "lower" },
  { key: "sampleP99", label: "sample send->receive p99", unit: "ms", better: "lower" },
  { key: "sampleMax", label: "sample send->receive max", unit: "ms", better: "lower" },
  { key: "idleEldMax", label: "event-loop delay max while idle at N (--eld-window-s)", unit: "ms", better: "lower" },
];

const KIB = 1024;
const MIB = 2 ** 20;

interface Point {
  connections: number;
  serverSees: number;
  /** Summed over the server processes. */
  rssBytes: number;
  heapUsedBytes: number;
  /** Per server process. */
  rssMiBPerProcess: number[];
  /** Helpers that grow with the connections but are not the server (the nats-server of a cluster). */
  helperRssBytes: number;
  atSec: number;
}

/** One server process. */
interface IdleServer {
  pid: number;
  url: string;
  jwtSecret?: string;
  /** Connections the server counts as open (Herald: authenticated sessions). */
  connections(): Promise<number>;
  heapUsed(): Promise<number>;
  eld(): Promise<EldReading>;
}

/** What differs between Herald and the baseline. */
interface IdleTarget {
  name: string;
  adapter: AdapterName;
  servers: IdleServer[];
  helperPids: number[];
  /** One message to each user, paced; t stamped at send. */
  sendSample(userIds: string[]): Promise<void>;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function memoryPoint(t: IdleTarget, connections: number, t0: number, settleMs: number): Promise<Point> {
  // Settle, then take the lowest of three reads a second apart: heap used only falls at a GC.
  await sleep(Math.max(0, settleMs - 2_000));
  const heap = t.servers.map(() => Number.POSITIVE_INFINITY);
  const rss = t.servers.map(() => Number.POSITIVE_INFINITY);
  for (let k = 0; k < 3; k++) {
    if (k > 0) await sleep(1_000);
    for (const [i, s] of t.servers.entries()) {
      heap[i] = Math.min(heap[i]!, await s.heapUsed());
      rss[i] = Math.min(rss[i]!, vmRssBytes(s.pid) ?? Number.NaN);
    }
  }
  return {
    connections,
    serverSees: sum(await Promise.all(t.servers.map((s) => s.connections()))),
    rssBytes: sum(rss),
    heapUsedBytes: sum(heap),
    rssMiBPerProcess: rss.map((r) => Math.round((r / MIB) * 10) / 10),
    helperRssBytes: sum(t.helperPids.map((pid) => vmRssBytes(pid) ?? 0)),
    atSec: Math.round((nowMs() - t0) / 100) / 10,
  };
}

/** Server processes needed so that none holds more connections than its open-files limit allows. */
export function serverLayout(p: IdleParams): { nofile: number; perProcess: number; processes: number } {
  const nofile = usableNofile(p.nofile);
  const perProcess = p.perProcess > 0 ? p.perProcess : Math.max(1_000, nofile - 1_000);
  return { nofile, perProcess, processes: Math.max(1, Math.ceil(p.maxConnections / perProcess)) };
}

async function measureIdle(t: IdleTarget, p: IdleParams): Promise<SystemResult> {
  const t0 = nowMs();
  const budgetMs = p.maxMinutes * 60_000;
  const { nofile: ulimit } = serverLayout(p);
  const addresses = loopbackAddresses(p.sourceAddresses);
  const points: Point[] = [await memoryPoint(t, 0, t0, p.settleMs)];
  const fleets: Fleet[] = [];
  const users: string[] = [];
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  let stopReason = `reached --max-connections ${p.maxConnections.toLocaleString("en-US")}`;
  let connectMs = 0;
  const notes: string[] = [];
  try {
    for (let step = 0; connected + failed < p.maxConnections; step++) {
      const left = budgetMs - (nowMs() - t0);
      if (left < 60_000) {
        stopReason = `time budget (--max-minutes ${p.maxMinutes}) nearly spent`;
        break;
      }
      const free = memAvailableBytes();
      if (free < p.minFreeGiB * 2 ** 30) {
        stopReason = `box memory nearly exhausted (${(free / 2 ** 30).toFixed(1)} GiB available < --min-free-gib ${p.minFreeGiB})`;
        break;
      }
      const n = Math.min(p.step, p.maxConnections - connected - failed);
      // Each step is split evenly over the server processes, one load generator (set) per server.
      const c0 = nowMs();
      const per = Math.ceil(n / t.servers.length);
      let stepFailed = 0;
      let stepError: string | undefined;
      const started = await Promise.all(
        t.servers.map(async (srv, si) => {
          const m = Math.min(per, n - si * per);
          if (m <= 0) return undefined;
          const prefix = `s${step}n${si}u`;
          const fleet = await Fleet.start({
            adapter: t.adapter,
            url: srv.url,
            clients: m,
            procs: p.procsPerStep,
            expectPerClient: 0,
            localAddresses: addresses,
            jwtSecret: srv.jwtSecret,
            userPrefix: prefix,
            stay: true,
            connectTimeoutMs: 60_000,
            readyTimeoutMs: left,
            maxRunMs: budgetMs + 120_000,
            connectConcurrency: p.connectConcurrency,
            ulimitNofile: ulimit,
            label: `${t.name}-step${step}-server${si}`,
          });
          for (let k = 0; k < m; k++) users.push(`${prefix}${k}`);
          return fleet;
        }),
      );
      for (const fleet of started) {
        if (!fleet) continue;
        fleets.push(fleet);
        connected += fleet.connected;
        failed += fleet.failed;
        stepFailed += fleet.failed;
        stepError ??= fleet.firstError;
        firstError ??= fleet.firstError;
      }
      connectMs += nowMs() - c0;
      // Wait for the server to count them (Herald counts a connection once its session is attached).
      const until = Date.now() + 30_000;
      const seen = async () => sum(await Promise.all(t.servers.map((x) => x.connections())));
      while ((await seen()) < connected && Date.now() < until) await sleep(250);
      points.push(await memoryPoint(t, connected, t0, p.settleMs));
      process.stdout.write(` ${connected.toLocaleString("en-US")}`);
      if (stepFailed > n * 0.01) {
        stopReason = `more than 1% of a step failed to connect (${stepFailed} of ${n}: ${stepError})`;
        break;
      }
    }
    if (connected === 0) return { name: t.name, status: "failed", note: `no connection opened: ${firstError ?? stopReason}`, figures: {} };
    const last = points[points.length - 1]!;
    const first = points[0]!;
    // Optionally: how the loops fare holding N idle connections (Herald's heartbeat sweeps them all).
    let idleEld: EldSummary[] | undefined;
    if (p.eldWindowS > 0) {
      const samplers = t.servers.map((x) => new EldSampler(() => x.eld()));
      await Promise.all(samplers.map((x) => x.start()));
      await sleep(p.eldWindowS * 1000);
      idleEld = await Promise.all(samplers.map((x) => x.stop()));
    }

    // A random sample of the users gets one notification each.
    const pool = [...users];
    const sample: string[] = [];
    for (let k = 0; k < Math.min(p.sample, pool.length); k++) sample.push(pool.splice(randomInt(pool.length), 1)[0]!);
    await t.sendSample(sample);
    await sleep(1_000);
    const loadRss = fleets.flatMap((f) => f.children.map((c) => procUsage(c.pid)?.rssBytes ?? 0)).reduce((a, b) => a + b, 0);
    const summaries = await Promise.all(fleets.map((f) => f.results(0)));
    const hist = new Histogram();
    let received = 0;
    for (const s of summaries) {
      hist.merge(s.hist);
      received += s.received;
    }
    const hs = hist.summary();
    if (failed > 0) notes.push(`${failed} connections failed (${firstError}); the sample was drawn from all users tried`);
    if (received < sample.length) notes.push(`${sample.length - received} of ${sample.length} sampled users received nothing`);
    if (last.serverSees < connected) notes.push(`the server counted ${last.serverSees} of ${connected} connections`);
    const figures: Record<string, number> = {
      connections: connected,
      rssPerConnKiB: (last.rssBytes - first.rssBytes) / connected / KIB,
      heapPerConnKiB: (last.heapUsedBytes - first.heapUsedBytes) / connected / KIB,
      rssAtNMiB: last.rssBytes / MIB,
      connectPerSec: connected / (connectMs / 1000),
      sampleWithin100: hist.countAtMost(100),
    };
    if (hs.count > 0) Object.assign(figures, { sampleP50: hs.p50, sampleP99: hs.p99, sampleMax: hs.max });
    if (idleEld) figures.idleEldMax = Math.max(...idleEld.map((e) => e.max));
    return {
      name: t.name,
      status: "ok",
      note: notes.join("; ") || undefined,
      figures,
      latency: hs.count > 0 ? hs : undefined,
      details: {
        stopReason,
        connected,
        failed,
        sampleSize: sample.length,
        sampleReceived: received,
        serverProcesses: t.servers.length,
        idleEventLoopDelay: idleEld && { windowS: p.eldWindowS, perProcess: idleEld.map((e) => ({ p99: e.p99, max: e.max })) },
        helperRssPerConnKiB: t.helperPids.length ? (last.helperRssBytes - first.helperRssBytes) / connected / KIB : undefined,
        points: points.map((pt) => ({
          ...pt,
          rssMiB: Math.round((pt.rssBytes / MIB) * 10) / 10,
          heapUsedMiB: Math.round((pt.heapUsedBytes / MIB) * 10) / 10,
        })),
        loadGeneratorRssMiB: Math.round(loadRss / MIB),
        loadGeneratorProcesses: fleets.reduce((a, f) => a + f.children.length, 0),
        sourceAddresses: p.sourceAddresses,
        connectMs: Math.round(connectMs),
        ulimitNofile: ulimit,
        sampleLatency: hs,
      },
    };
  } finally {
    await Promise.all(fleets.map((f) => f.stop()));
  }
}

// ----------------------------------------------------------------- raw ws baseline

export async function runRawIdle(p: IdleParams): Promise<SystemResult> {
  const name = "raw ws";
  const layout = serverLayout(p);
  const children: Child[] = [];
  try {
    const servers: (IdleServer & { control: string })[] = [];
    for (let k = 0; k < layout.processes; k++) {
      const child = spawnTs("bench/baselines/raw-ws-server.ts", {
        name: `raw-server-${k}`,
        nodeFlags: ["--max-old-space-size=16384"],
        ulimitNofile: layout.nofile,
      });
      children.push(child);
      const { port, controlPort } = await waitReady<{ port: number; controlPort: number }>(child, 30_000);
      const control = `http://127.0.0.1:${controlPort}`;
      const stats = () => httpJson<{ connections: number; heapUsedBytes: number }>("GET", `${control}/stats`);
      servers.push({
        pid: child.pid,
        url: `ws://127.0.0.1:${port}/?user={user}`,
        control,
        connections: async () => (await stats()).connections,
        heapUsed: async () => (await stats()).heapUsedBytes,
        eld: baselineEld(controlPort),
      });
    }
    return await measureIdle(
      {
        name,
        adapter: "raw",
        servers,
        helperPids: [],
        async sendSample(userIds) {
          // Every server gets the whole list and writes to the users it holds.
          const req: TargetedRequest = { userIds, batch: 1, rate: p.sampleRate, count: userIds.length };
          await Promise.all(servers.map((s) => httpJson<TargetedResult>("POST", `${s.control}/targeted`, req)));
        },
      },
      p,
    );
  } catch (err) {
    return { name, status: "failed", note: err instanceof Error ? err.message : String(err), figures: {} };
  } finally {
    await Promise.all(children.map((c) => c.stop(30_000)));
  }
}

// ----------------------------------------------------------------- Herald hook

/**
 * ===================== HERALD HOOK (scenario 4) =====================
 * One Herald node (bench/lib/herald.ts) with its open-files limit raised and
 * HERALD_WS_HEARTBEAT_MS = --heartbeat-ms; clients s<step>u<k> connect with a
 * token each (`authenticate` frame = up). Its count of open sessions is the
 * `herald_ws_connections` gauge and its heap `nodejs_heap_size_used_bytes`,
 * both from /metrics; RSS from /proc. The sample is one SendNotifications call
 * per sampled user (persistent unless --sample-persistent 0), paced.
 * ====================================================================
 */
export async function runHeraldIdle(p: IdleParams): Promise<SystemResult> {
  const name = "Herald";
  const layout = serverLayout(p);
  const nodes: HeraldNode[] = [];
  let nats: NatsServer | undefined;
  let shared: ScratchDb | undefined;
  try {
    try {
      if (layout.processes > 1) {
        nats = await startNatsServer();
        shared = await createScratchDb();
      }
      for (let k = 0; k < layout.processes; k++)
        nodes.push(
          await startHeraldNode({
            label: `herald-${k}`,
            nodeFlags: ["--max-old-space-size=16384"],
            ulimitNofile: layout.nofile,
            db: shared,
            env: { HERALD_WS_HEARTBEAT_MS: String(p.heartbeatMs), ...(nats ? { NATS_URL: nats.url, HERALD_NODE_ID: `bench-${k}` } : {}) },
          }),
        );
    } catch (err) {
      return { name, status: "skipped", note: `Herald did not start: ${oneLine(err)}`, figures: {} };
    }
    if (!nodes[0]!.wsListening) return { name, status: "skipped", note: WS_GATEWAY_MISSING, figures: {} };
    const a = nodes[0]!;
    const r = await measureIdle(
      {
        name,
        adapter: "herald",
        servers: nodes.map((n) => {
          const url = heraldMetricsUrl(n.httpPort);
          return {
            pid: n.pid,
            url: n.wsUrlTemplate,
            jwtSecret: n.jwtSecret,
            connections: async () => (await scrapeProm(url)).get("herald_ws_connections") ?? 0,
            heapUsed: async () => (await scrapeProm(url)).get("nodejs_heap_size_used_bytes") ?? Number.NaN,
            eld: heraldEld(n.httpPort),
          };
        }),
        helperPids: nats ? [nats.pid] : [],
        async sendSample(userIds) {
          await paced(userIds.length, p.sampleRate, (k) => a.send([targeted(userIds[k]!, nowMs(), k, p.samplePersistent)]), 8);
        },
      },
      p,
    );
    if (nodes.length > 1 && r.status === "ok")
      r.note = [
        `${nodes.length} nodes over NATS (one process may hold at most ${layout.nofile.toLocaleString("en-US")} descriptors here); memory summed over the nodes; the sample sent to node A`,
        r.note,
      ]
        .filter(Boolean)
        .join("; ");
    return r;
  } catch (err) {
    return { name, status: "failed", note: err instanceof Error ? err.message : String(err), figures: {} };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await nats?.stop();
    await shared?.drop().catch(() => undefined);
  }
}

// ----------------------------------------------------------------- scenario

const TARGET_RSS_KIB = 20;

export async function runIdle(p: IdleParams): Promise<ScenarioResult> {
  const started = new Date();
  const t0 = nowMs();
  process.stdout.write(
    `\n-- idle connections: up to ${p.maxConnections.toLocaleString("en-US")} in steps of ${p.step.toLocaleString("en-US")} over ${p.sourceAddresses} source addresses; sample of ${p.sample}\n`,
  );
  const say = (r: SystemResult) =>
    process.stdout.write(
      ` ${r.status}${r.status === "ok" ? ` (${Math.round(r.figures.connections ?? 0).toLocaleString("en-US")} held, ${r.figures.rssPerConnKiB?.toFixed(1)} KiB RSS and ${r.figures.heapPerConnKiB?.toFixed(1)} KiB heap per connection, ${r.figures.sampleWithin100}/${r.details?.sampleSize} within 100 ms)` : ""}${r.note ? `: ${r.note}` : ""}\n`,
    );
  // Memory figures barely move with CPU noise: wait for quiet, but no reruns.
  let herald: SystemResult = { name: "Herald", status: "skipped", note: "not selected (--systems)", figures: {} };
  if (p.systems.includes("herald")) {
    process.stdout.write("   herald:");
    herald = await quietRun(() => runHeraldIdle(p), { maxForeign: 1, retries: 0 });
    say(herald);
  }
  const baselines: SystemResult[] = [];
  if (p.systems.includes("raw")) {
    process.stdout.write("   raw ws:");
    const r = await quietRun(() => runRawIdle(p), { maxForeign: 1, retries: 0 });
    say(r);
    baselines.push(r);
  }
  const layout = serverLayout(p);
  const notes = [
    ...(layout.processes > 1
      ? [
          `One process may hold at most ${layout.nofile.toLocaleString("en-US")} descriptors on this box (hard RLIMIT_NOFILE; raising it needs CAP_SYS_RESOURCE), so each system ran as ${layout.processes} server processes of up to ${layout.perProcess.toLocaleString("en-US")} connections: Herald as ${layout.processes} nodes over a nats-server child (the sample sent to node A, so most of it crossed NATS), raw ws as ${layout.processes} servers. RSS and heap are summed over the processes.`,
        ]
      : []),
    `Connections opened in steps of ${p.step.toLocaleString("en-US")} (each step from its own load-generator process per server process, ${p.connectConcurrency} connects in flight in each) up to ${p.maxConnections.toLocaleString("en-US")}, or fewer if memory, connect failures or the ${p.maxMinutes}-min budget stop it first (details.stopReason); source addresses 127.0.0.1-${p.sourceAddresses}.`,
    `Per connection = (value at N - value at 0) / N; RSS is VmRSS of the server process, heap is V8 heap used (lowest of three reads a second apart after ${p.settleMs / 1000} s of settling). Herald heartbeat every ${p.heartbeatMs / 1000} s (HERALD_WS_HEARTBEAT_MS), so no pings during the run.`,
    `Sample: ${p.sample} random connected users, one ${p.samplePersistent ? "persistent" : "ephemeral"} notification each (Herald: one SendNotifications call each; raw ws: one frame each), ${p.sampleRate}/s; latency from just before the call (Herald) / the write (raw ws) to receipt.`,
  ];
  const v = herald.figures.rssPerConnKiB;
  if (herald.status === "ok" && v !== undefined)
    notes.push(
      `target <= ${TARGET_RSS_KIB} KB RSS per idle connection: ${v.toFixed(1)} KiB, ${v <= TARGET_RSS_KIB ? `met (${(TARGET_RSS_KIB / v).toFixed(1)}x headroom)` : `NOT met (${(v / TARGET_RSS_KIB).toFixed(2)}x over)`}`,
    );
  const machine = machineInfo();
  machine.postgres = await postgresVersion();
  const result: ScenarioResult = {
    scenario: "idle-connections",
    title: `Idle connections: up to ${p.maxConnections.toLocaleString("en-US")} authenticated, sample of ${p.sample}`,
    startedAt: started.toISOString(),
    durationSec: Math.round((nowMs() - t0) / 100) / 10,
    machine,
    params: { ...p },
    figures: FIGURES,
    herald,
    baselines,
    notes,
  };
  report(result);
  return result;
}

runIfMain(import.meta.url, () => runIdle(idleParamsFromArgs()));
