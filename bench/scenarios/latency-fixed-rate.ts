/**
 * Scenario 3: latency at a fixed rate. A paced backend sends --rate
 * notifications/s (default 10,000) for --seconds (default 30), every 1/(rate/batch)
 * s one SendNotifications call of --batch (100) notifications, each to one of
 * --users (2,000) connected clients (round-robin, so one call never names a user
 * twice and every user gets the same count). Herald ephemeral and persistent, on
 * one node and on two nodes over NATS (clients on node A, sends to node B's gRPC,
 * both on one scratch database, a nats-server child on a free loopback port).
 * Reported: send->receive latency p50/p99/p99.9/max, the delivered rate, and
 * the server's event-loop delay (prom-client's nodejs_eventloop_lag_* scraped
 * from /metrics every second). Baseline in the same run: the raw `ws` server
 * pushing the same messages at the same pace to the same clients (one encoded
 * frame per message).
 *
 *   npm run bench:latency                     # 30 s per configuration
 *   npm run bench:latency -- --seconds 10     # shorter
 *
 * Options (flag or BENCH_<NAME> env): --rate, --seconds, --batch, --users,
 * --warmup-seconds, --in-flight (cap on outstanding calls; the pace is kept
 * below it), --modes (ephemeral,persistent), --nodes (1,2), --systems
 * (herald,raw), --client-procs, --source-addresses, --max-foreign, --retries,
 * --heartbeat-ms (HERALD_WS_HEARTBEAT_MS; default: Herald's own, 25 s), --repeat
 * (rounds of every configuration, interleaved; the run with the median p99 is reported).
 */
import { runIfMain, listOpt, numOpt } from "../lib/args.js";
import { nowMs, sleep } from "../lib/clock.js";
import { Fleet } from "../lib/fleet.js";
import { oneLine, startHeraldNode, targeted, WS_GATEWAY_MISSING, type HeraldNode } from "../lib/herald.js";
import { Histogram, type LatencySummary } from "../lib/histogram.js";
import { machineInfo } from "../lib/machine.js";
import { baselineEld, EldSampler, heraldEld, type EldSummary } from "../lib/metrics.js";
import { startNatsServer, type NatsServer } from "../lib/nats.js";
import { BoxMeter, quietRun } from "../lib/noise.js";
import { httpJson, loopbackAddresses } from "../lib/net.js";
import { paced } from "../lib/pace.js";
import { backendPids, createScratchDb, postgresVersion, type ScratchDb } from "../lib/pg.js";
import { cpuSince, cpuSnapshot, preemptions, spawnTs, waitReady } from "../lib/proc.js";
import { report, type FigureDef, type ScenarioResult, type SystemResult } from "../lib/results.js";
import type { ChartSeries } from "../lib/svg.js";
import type { TargetedRequest, TargetedResult } from "../baselines/common.js";

type Mode = "ephemeral" | "persistent";

export interface LatencyParams {
  /** Notifications per second. */
  rate: number;
  seconds: number;
  /** Notifications per call (each to a distinct user). */
  batch: number;
  users: number;
  warmupSeconds: number;
  /** At most this many calls outstanding (a safety cap; at the intended pace far fewer are). */
  inFlight: number;
  modes: Mode[];
  nodes: number[];
  systems: ("herald" | "raw")[];
  clientProcs: number;
  sourceAddresses: number;
  maxForeign: number;
  retries: number;
  /** HERALD_WS_HEARTBEAT_MS for the nodes; 0 = Herald's default (25 s). */
  heartbeatMs: number;
  /** Rounds of every configuration; the run with the median p99 is reported. */
  repeat: number;
}

export function latencyParamsFromArgs(override: { seconds?: number } = {}): LatencyParams {
  return {
    rate: numOpt("rate", 10_000),
    seconds: override.seconds ?? numOpt("seconds", 30),
    batch: numOpt("batch", 100),
    users: numOpt("users", 2_000),
    warmupSeconds: numOpt("warmup-seconds", 2),
    inFlight: numOpt("in-flight", 64),
    modes: listOpt("modes", ["ephemeral", "persistent"]) as Mode[],
    nodes: listOpt("nodes", ["1", "2"]).map(Number),
    systems: listOpt("systems", ["herald", "raw"]) as LatencyParams["systems"],
    clientProcs: numOpt("client-procs", 1),
    sourceAddresses: numOpt("source-addresses", 1),
    maxForeign: numOpt("max-foreign", 0.1),
    retries: numOpt("retries", 2),
    heartbeatMs: numOpt("heartbeat-ms", 0),
    repeat: Math.max(1, numOpt("repeat", 1)),
  };
}

/** Per-configuration figures; keys in the result are `<config>_<figure>`. */
const PER_CONFIG: (Omit<FigureDef, "key"> & { k: string })[] = [
  { k: "rate", label: "delivered/s", unit: "/s", better: "higher" },
  { k: "p50", label: "send->receive p50", unit: "ms", better: "lower" },
  { k: "p99", label: "send->receive p99", unit: "ms", better: "lower" },
  { k: "p999", label: "send->receive p99.9", unit: "ms", better: "lower" },
  { k: "max", label: "send->receive max", unit: "ms", better: "lower" },
  { k: "eldP50", label: "server event-loop delay p50", unit: "ms", better: "lower" },
  { k: "eldP99", label: "server event-loop delay p99", unit: "ms", better: "lower" },
  { k: "eldMax", label: "server event-loop delay max", unit: "ms", better: "lower" },
  { k: "cpu", label: "server CPU, % of one core", unit: "%", better: "lower" },
];

interface Config {
  key: string;
  label: string;
  mode: Mode;
  nodes: number;
}

function configs(p: LatencyParams): Config[] {
  const out: Config[] = [];
  for (const nodes of p.nodes)
    for (const mode of p.modes)
      out.push({ key: `${mode === "ephemeral" ? "e" : "p"}${nodes}`, label: `${mode}, ${nodes} node${nodes > 1 ? "s" : ""}`, mode, nodes });
  return out;
}

export function figureDefs(p: LatencyParams): FigureDef[] {
  return configs(p).flatMap((c) =>
    PER_CONFIG.map((f) => ({ key: `${c.key}_${f.k}`, label: `${c.label}: ${f.label}`, unit: f.unit, better: f.better })),
  );
}

function plan(p: LatencyParams) {
  const callsPerSec = p.rate / p.batch;
  const calls = Math.round(p.seconds * callsPerSec);
  const total = calls * p.batch;
  if (p.batch > p.users) throw new Error("--batch must not exceed --users (one call names distinct users)");
  if (total % p.users !== 0)
    throw new Error(`rate x seconds (${total}) must be a multiple of --users (${p.users}) so every user gets the same count`);
  return { callsPerSec, calls, total, perUser: total / p.users, warmupCalls: Math.round(p.warmupSeconds * callsPerSec) };
}

/** One measured run's figures (no config prefix yet). */
interface Run {
  status: SystemResult["status"];
  note?: string;
  figures: Record<string, number>;
  latency?: LatencySummary;
  details: Record<string, unknown>;
}

function figuresOf(
  hist: Histogram,
  received: number,
  firstSendMs: number,
  lastRecvMs: number,
  eld: EldSummary,
  cpuMs: number,
): Record<string, number> {
  const h = hist.summary();
  const wallMs = lastRecvMs - firstSendMs;
  return {
    rate: received / (wallMs / 1000),
    p50: h.p50,
    p99: h.p99,
    p999: h.p999,
    max: h.max,
    eldP50: eld.p50,
    eldP99: eld.p99,
    eldMax: eld.max,
    cpu: (cpuMs / wallMs) * 100,
  };
}

// ----------------------------------------------------------------- raw ws baseline

export async function runRawFixed(p: LatencyParams): Promise<Run> {
  const pl = plan(p);
  const server = spawnTs("bench/baselines/raw-ws-server.ts", { name: "raw-server", nodeFlags: ["--max-old-space-size=4096"] });
  let fleet: Fleet | undefined;
  try {
    const { port, controlPort } = await waitReady<{ port: number; controlPort: number }>(server, 30_000);
    const control = `http://127.0.0.1:${controlPort}`;
    fleet = await Fleet.start({
      adapter: "raw",
      url: `ws://127.0.0.1:${port}/?user={user}`,
      clients: p.users,
      procs: p.clientProcs,
      expectPerClient: pl.perUser,
      localAddresses: loopbackAddresses(p.sourceAddresses),
      label: "raw",
    });
    if (fleet.connected < p.users)
      return {
        status: "failed",
        note: `${p.users - fleet.connected} clients failed to connect: ${fleet.firstError}`,
        figures: {},
        details: {},
      };
    const until = Date.now() + 30_000;
    while ((await httpJson<{ connections: number }>("GET", `${control}/stats`)).connections < fleet.connected) {
      if (Date.now() > until) throw new Error("raw ws server did not see every client within 30 s");
      await sleep(100);
    }
    const req = (count: number, warmup: number): TargetedRequest => ({
      userPrefix: "u",
      users: p.users,
      batch: p.batch,
      rate: pl.callsPerSec,
      count,
      warmup,
    });
    if (pl.warmupCalls > 0) await httpJson("POST", `${control}/targeted`, req(0, pl.warmupCalls));
    await sleep(300);
    const eld = new EldSampler(baselineEld(controlPort));
    await eld.start();
    const own = cpuSnapshot([server.pid, ...fleet.children.map((c) => c.pid)]);
    const meter = new BoxMeter();
    const self0 = process.cpuUsage();
    const serverCpu = cpuSnapshot([server.pid]);
    const pre0 = preemptions(server.pid);
    const r = await httpJson<TargetedResult>("POST", `${control}/targeted`, req(pl.calls, 0));
    const s = await fleet.results(Math.max(15_000, p.seconds * 1000));
    const eldSummary = await eld.stop();
    const serverCpuMs = cpuSince(serverCpu);
    const self = process.cpuUsage(self0);
    const box = meter.stop(cpuSince(own) + (self.user + self.system) / 1000);
    const notes: string[] = [];
    if (s.received < pl.total) notes.push(`${pl.total - s.received} of ${pl.total} messages not received`);
    if (r.noConnection > 0) notes.push(`${r.noConnection} messages had no connection to go to`);
    const figures = figuresOf(s.hist, s.received, r.sendStartMs, s.lastRecvMs, eldSummary, serverCpuMs);
    return {
      status: "ok",
      note: notes.join("; ") || undefined,
      figures,
      latency: s.hist.summary(),
      details: {
        received: s.received,
        expected: pl.total,
        sendMs: r.sendEndMs - r.sendStartMs,
        achievedCallRate: pl.calls / ((r.sendEndMs - r.sendStartMs) / 1000),
        serverCpuMs,
        serverPreemptions: preemptions(server.pid) - pre0,
        clientCpuMs: s.clientCpuMs,
        eld: eldSummary,
        boxBusyShare: box.busyShare,
        foreignCpuShare: box.foreignShare,
      },
    };
  } catch (err) {
    return { status: "failed", note: err instanceof Error ? err.message : String(err), figures: {}, details: {} };
  } finally {
    await fleet?.stop();
    await server.stop();
  }
}

// ----------------------------------------------------------------- Herald hook

/**
 * ===================== HERALD HOOK (scenario 3) =====================
 * One configuration: `nodes` Herald processes (bench/lib/herald.ts); with two,
 * a nats-server child and NATS_URL on both, one shared scratch database. The
 * clients u0..u<users-1> connect to node A; the paced backend (this process)
 * calls SendNotifications on the last node (B when there are two) with
 * `batch` notifications of one recipient each, `persistent` per mode, content
 * {t: bench clock just before the call, i}. Event-loop delay of every node is
 * scraped from its /metrics each second.
 * ====================================================================
 */
export async function runHeraldFixed(p: LatencyParams, mode: Mode, nodeCount: number): Promise<Run> {
  const pl = plan(p);
  let nats: NatsServer | undefined;
  let shared: ScratchDb | undefined;
  const nodes: HeraldNode[] = [];
  let fleet: Fleet | undefined;
  const notes: string[] = [];
  try {
    try {
      if (nodeCount > 1) {
        nats = await startNatsServer();
        shared = await createScratchDb();
      }
      for (let k = 0; k < nodeCount; k++)
        nodes.push(
          await startHeraldNode({
            label: `herald-${String.fromCharCode(97 + k)}`,
            nodeFlags: ["--max-old-space-size=4096"],
            db: shared,
            env: {
              ...(nats ? { NATS_URL: nats.url, HERALD_NODE_ID: `bench-${String.fromCharCode(97 + k)}` } : {}),
              ...(p.heartbeatMs > 0 ? { HERALD_WS_HEARTBEAT_MS: String(p.heartbeatMs) } : {}),
            },
          }),
        );
    } catch (err) {
      return { status: "skipped", note: `Herald did not start: ${oneLine(err)}`, figures: {}, details: {} };
    }
    const a = nodes[0]!;
    const b = nodes[nodes.length - 1]!;
    if (!a.wsListening) return { status: "skipped", note: WS_GATEWAY_MISSING, figures: {}, details: {} };
    fleet = await Fleet.start({
      adapter: "herald",
      url: a.wsUrlTemplate,
      clients: p.users,
      procs: p.clientProcs,
      expectPerClient: pl.perUser,
      localAddresses: loopbackAddresses(p.sourceAddresses),
      jwtSecret: a.jwtSecret,
      label: "herald",
    });
    if (fleet.connected < p.users)
      return {
        status: "failed",
        note: `${p.users - fleet.connected} clients failed to connect: ${fleet.firstError}`,
        figures: {},
        details: {},
      };
    const persistent = mode === "persistent";
    const call = (k: number, t: number, warm: boolean) =>
      Array.from({ length: p.batch }, (_, j) => {
        const g = k * p.batch + j;
        return targeted(`u${g % p.users}`, t, warm ? -1 - g : g, persistent);
      });
    // Warm-up at the same pace (JIT, pools, NATS subjects), not counted by the clients.
    if (pl.warmupCalls > 0) await paced(pl.warmupCalls, pl.callsPerSec, (k) => b.send(call(k, nowMs(), true)), p.inFlight);
    await sleep(500);

    const samplers = nodes.map((n) => new EldSampler(heraldEld(n.httpPort)));
    await Promise.all(samplers.map((s) => s.start()));
    const pgPids = await backendPids(a.db.name).catch(() => [] as number[]);
    const serverCpu = nodes.map((n) => cpuSnapshot([n.pid]));
    const pre0 = nodes.map((n) => preemptions(n.pid));
    const own = cpuSnapshot([...nodes.map((n) => n.pid), ...(nats ? [nats.pid] : []), ...fleet.children.map((c) => c.pid), ...pgPids]);
    const meter = new BoxMeter();
    const self0 = process.cpuUsage();
    const rpc = new Histogram();
    let maxLateMs = 0;
    let lateCalls = 0;
    let peakInFlight = 0;
    let inFlightNow = 0;
    const intervalMs = 1000 / pl.callsPerSec;
    const t0 = nowMs();
    const { startMs, endMs } = await paced(
      pl.calls,
      pl.callsPerSec,
      async (k) => {
        const t = nowMs();
        const late = t - (t0 + k * intervalMs);
        if (late > maxLateMs) maxLateMs = late;
        if (late > 5) lateCalls++;
        peakInFlight = Math.max(peakInFlight, ++inFlightNow);
        try {
          await b.send(call(k, t, false));
        } finally {
          inFlightNow--;
        }
        rpc.record(nowMs() - t);
      },
      p.inFlight,
    );
    const s = await fleet.results(Math.max(15_000, p.seconds * 1000));
    const eldSummaries = await Promise.all(samplers.map((x) => x.stop()));
    const cpuPerNode = serverCpu.map(cpuSince);
    const self = process.cpuUsage(self0);
    const box = meter.stop(cpuSince(own) + (self.user + self.system) / 1000);
    const worst: EldSummary = {
      p99: Math.max(...eldSummaries.map((e) => e.p99)),
      p50: Math.max(...eldSummaries.map((e) => e.p50)),
      max: Math.max(...eldSummaries.map((e) => e.max)),
      intervals: Math.min(...eldSummaries.map((e) => e.intervals)),
      p99s: [],
    };
    if (s.received < pl.total) notes.push(`${pl.total - s.received} of ${pl.total} notifications not received`);
    if (lateCalls > 0)
      notes.push(`${lateCalls} of ${pl.calls} calls left more than 5 ms after their slot (sender at most ${maxLateMs.toFixed(1)} ms late)`);
    if (peakInFlight >= p.inFlight) notes.push(`calls piled up to the --in-flight cap (${p.inFlight}): Herald did not keep the pace`);
    const figures = figuresOf(
      s.hist,
      s.received,
      startMs,
      s.lastRecvMs,
      worst,
      cpuPerNode.reduce((x, y) => x + y, 0),
    );
    return {
      status: "ok",
      note: notes.join("; ") || undefined,
      figures,
      latency: s.hist.summary(),
      details: {
        received: s.received,
        expected: pl.total,
        sendMs: endMs - startMs,
        achievedCallRate: pl.calls / ((endMs - startMs) / 1000),
        senderMaxLateMs: maxLateMs,
        peakCallsInFlight: peakInFlight,
        rpcLatency: rpc.summary(),
        eldPerNode: Object.fromEntries(nodes.map((_n, k) => [String.fromCharCode(97 + k), eldSummaries[k]])),
        serverCpuMsPerNode: cpuPerNode,
        serverPreemptionsPerNode: nodes.map((n, k) => preemptions(n.pid) - pre0[k]!),
        clientCpuMs: s.clientCpuMs,
        closedDuringRun: s.closedDuringRun,
        boxBusyShare: box.busyShare,
        foreignCpuShare: box.foreignShare,
      },
    };
  } catch (err) {
    return { status: "failed", note: [err instanceof Error ? err.message : String(err), ...notes].join("; "), figures: {}, details: {} };
  } finally {
    await fleet?.stop();
    for (const n of nodes.reverse()) await n.stop();
    await nats?.stop();
    await shared?.drop().catch(() => undefined);
  }
}

// ----------------------------------------------------------------- scenario

const TARGET_P99: Record<Mode, number> = { ephemeral: 5, persistent: 25 };

function verdict(label: string, v: number | undefined, target: number): string {
  if (v === undefined || !Number.isFinite(v)) return `${label}: not measured (target p99 <= ${target} ms)`;
  return v <= target
    ? `${label}: p99 ${v.toFixed(2)} ms, target <= ${target} ms met (${(target / v).toFixed(1)}x headroom)`
    : `${label}: p99 ${v.toFixed(2)} ms, target <= ${target} ms NOT met (${(v / target).toFixed(1)}x over)`;
}

export async function runLatency(p: LatencyParams): Promise<ScenarioResult> {
  const pl = plan(p);
  const started = new Date();
  const t0 = nowMs();
  process.stdout.write(
    `\n-- latency at a fixed rate: ${p.rate.toLocaleString("en-US")} notifications/s for ${p.seconds} s (${pl.callsPerSec} calls/s of ${p.batch}) to ${p.users.toLocaleString("en-US")} clients\n`,
  );
  const say = (r: SystemResult) =>
    process.stdout.write(
      ` ${r.status}${r.status === "ok" ? ` (${Math.round(r.figures.rate ?? 0).toLocaleString("en-US")}/s, p50 ${r.figures.p50?.toFixed(2)} ms, p99 ${r.figures.p99?.toFixed(2)} ms, max ${r.figures.max?.toFixed(1)} ms, loop delay p99 ${r.figures.eldP99?.toFixed(1)} ms)` : ""}${r.note ? `: ${r.note}` : ""}\n`,
    );
  const retry = (f: number) => process.stdout.write(` disturbed (${Math.round(f * 100)}% of CPU to other work), again...`);
  const asSystem = (r: Run): SystemResult => ({
    name: "",
    status: r.status,
    note: r.note,
    figures: r.figures,
    latency: r.latency,
    details: r.details,
  });

  const cs = configs(p);
  // Rounds: every configuration and the baseline once per round, so slow drift in the box's
  // noise hits them alike; per configuration the run with the median p99 is reported.
  const heraldRuns = new Map<string, SystemResult[]>(cs.map((c) => [c.key, []]));
  const rawRuns: SystemResult[] = [];
  for (let round = 0; round < p.repeat; round++) {
    if (p.repeat > 1) process.stdout.write(`  round ${round + 1} of ${p.repeat}\n`);
    if (p.systems.includes("herald"))
      for (const c of cs) {
        process.stdout.write(`   herald ${c.label}...`);
        const r = await quietRun(async () => asSystem(await runHeraldFixed(p, c.mode, c.nodes)), {
          maxForeign: p.maxForeign,
          retries: p.retries,
          onRetry: retry,
        });
        say(r);
        heraldRuns.get(c.key)!.push(r);
      }
    if (p.systems.includes("raw")) {
      process.stdout.write("   raw ws...");
      const r = await quietRun(async () => asSystem(await runRawFixed(p)), {
        maxForeign: p.maxForeign,
        retries: p.retries,
        onRetry: retry,
      });
      say(r);
      rawRuns.push(r);
    }
  }
  const pick = (all: SystemResult[]): SystemResult => {
    const ok = all.filter((r) => r.status === "ok").sort((a, b) => (a.figures.p99 ?? 0) - (b.figures.p99 ?? 0));
    if (ok.length === 0) return all[all.length - 1]!;
    const median = ok[Math.floor((ok.length - 1) / 2)]!;
    if (all.length > 1)
      median.details = {
        ...median.details,
        reported: `median of ${ok.length} by p99`,
        runs: all.map((r) => ({
          status: r.status,
          p50: r.figures.p50,
          p99: r.figures.p99,
          p999: r.figures.p999,
          max: r.figures.max,
          eldP99: r.figures.eldP99,
          eldMax: r.figures.eldMax,
          foreignCpuShare: r.details?.foreignCpuShare,
        })),
      };
    return median;
  };

  const herald: SystemResult = { name: "Herald", status: "skipped", note: "not selected (--systems)", figures: {}, details: {} };
  const chart: ChartSeries[] = [];
  if (p.systems.includes("herald")) {
    const notes: string[] = [];
    let anyOk = false;
    for (const c of cs) {
      const r = pick(heraldRuns.get(c.key)!);
      if (r.status === "ok") {
        anyOk = true;
        for (const [k, v] of Object.entries(r.figures)) herald.figures[`${c.key}_${k}`] = v;
        if (r.latency) chart.push({ name: `Herald ${c.label}`, summary: r.latency });
      }
      if (r.note) notes.push(`${c.label}: ${r.status === "ok" ? "" : `${r.status}, `}${r.note}`);
      if (p.repeat > 1 && r.status === "ok")
        notes.push(
          `${c.label}: p99 of the ${p.repeat} runs ${heraldRuns
            .get(c.key)!
            .map((x) => x.figures.p99?.toFixed(1) ?? x.status)
            .join(", ")} ms`,
        );
      herald.details![c.key] = { status: r.status, note: r.note, latency: r.latency, ...r.details };
    }
    herald.status = anyOk ? "ok" : "failed";
    herald.note = notes.join("; ") || undefined;
    herald.chart = chart;
    herald.latency = chart[0]?.summary;
  }
  const baselines: SystemResult[] = [];
  if (p.systems.includes("raw")) {
    const r = pick(rawRuns);
    const raw: SystemResult = {
      name: "raw ws",
      status: r.status,
      note: r.note,
      figures: {},
      latency: r.latency,
      details: { latency: r.latency, ...r.details },
    };
    if (p.repeat > 1 && r.status === "ok")
      raw.note = [raw.note, `p99 of the ${p.repeat} runs ${rawRuns.map((x) => x.figures.p99?.toFixed(2) ?? x.status).join(", ")} ms`]
        .filter(Boolean)
        .join("; ");
    // One baseline run stands beside every Herald configuration.
    if (r.status === "ok") for (const c of cs) for (const [k, v] of Object.entries(r.figures)) raw.figures[`${c.key}_${k}`] = v;
    baselines.push(raw);
  }
  const notes = [
    `Paced sender: every ${(1000 / pl.callsPerSec).toFixed(1)} ms one call of ${p.batch} notifications, each to a distinct one of ${p.users.toLocaleString("en-US")} connected users (round-robin; ${pl.perUser} per user); ${p.warmupSeconds} s of warm-up at the same pace first, not counted.`,
    "Herald: t is stamped by the gRPC backend just before the call, so latency includes the RPC (and, persistent, the insert); two nodes: clients on node A, sends to node B, over a nats-server child. raw ws: t is stamped in the server as it writes the frames; measured once, shown beside every configuration.",
    "Event-loop delay: Node's monitorEventLoopDelay at 10 ms resolution (prom-client's default metrics for Herald, read from /metrics; the same histogram in the raw ws server, read from its control channel), reset just before the measured sends and read once after the last receive, so p50/p99/max cover every 10 ms tick of the run; figures are the delay beyond the 10 ms tick, of the worse node when there are two.",
    "server CPU: the server process(es)' CPU time over first send to last receive, in % of one core (two nodes: summed).",
  ];
  for (const c of cs)
    if (p.systems.includes("herald")) notes.push(`target ${verdict(c.label, herald.figures[`${c.key}_p99`], TARGET_P99[c.mode])}`);
  const machine = machineInfo();
  machine.postgres = await postgresVersion();
  const result: ScenarioResult = {
    scenario: "latency-fixed-rate",
    title: `Latency at ${p.rate.toLocaleString("en-US")} notifications/s for ${p.seconds} s, ${p.users.toLocaleString("en-US")} clients`,
    startedAt: started.toISOString(),
    durationSec: Math.round((nowMs() - t0) / 100) / 10,
    machine,
    params: { ...p, ...pl },
    figures: figureDefs(p),
    herald,
    baselines,
    notes,
  };
  report(result);
  return result;
}

runIfMain(import.meta.url, () => runLatency(latencyParamsFromArgs()));
