/**
 * Scenario 1: broadcast fan-out. N connected clients, M notifications each
 * delivered to all of them; deliveries/s and send->receive latency for Herald,
 * a minimal raw `ws` server and Socket.IO 4, each with the same client count,
 * payload and load generator (a separate process).
 *
 *   npm run bench:broadcast                      # 1,000 clients x 200 messages
 *   npm run bench:broadcast -- --clients 10000   # 10,000 clients x 20 messages
 *
 * Options (flag or BENCH_<NAME> env): --clients, --messages (default 200,000 /
 * clients, at least 20), --rate (messages/s, 0 = as fast as possible), --warmup,
 * --client-procs, --source-addresses (how many 127.0.0.x to spread sockets over),
 * --systems (herald,raw,socketio; also herald-socketio, socketio-per-user),
 * --publisher (server: a baseline makes and stamps its messages itself; backend:
 * this process POSTs each, stamped before the call, --herald-in-flight
 * outstanding, as Herald's backend calls), --herald-in-flight (concurrent RPCs), --repeat
 * (runs per system, interleaved; the median run by deliveries/s is reported),
 * --max-foreign / --retries (a run during which other work took more than this
 * share of the box's CPU is run again, up to --retries times; default 0.1, 2).
 */
import { nowMs, sleep } from "../lib/clock.js";
import { Fleet } from "../lib/fleet.js";
import { broadcastRequest, oneLine, startHeraldNode, WS_GATEWAY_MISSING } from "../lib/herald.js";
import { runIfMain, listOpt, numOpt } from "../lib/args.js";
import { machineInfo } from "../lib/machine.js";
import { BoxMeter, waitForQuiet } from "../lib/noise.js";
import { httpJson, loopbackAddresses } from "../lib/net.js";
import { paced } from "../lib/pace.js";
import { procUsage, spawnTs, waitReady } from "../lib/proc.js";
import { report, type FigureDef, type ScenarioResult, type SystemResult } from "../lib/results.js";
import type { AdapterName } from "../load/adapters.js";
import type { BroadcastResult } from "../baselines/common.js";

export interface BroadcastParams {
  clients: number;
  /** Notifications, each delivered to every client. */
  messages: number;
  /** Notifications per second; 0 = as fast as the server goes. */
  rate: number;
  warmup: number;
  clientProcs: number;
  sourceAddresses: number;
  /** Concurrent SendNotifications RPCs when Herald is sent to as fast as possible. */
  heraldInFlight: number;
  /** Runs per system, interleaved; the run with the median deliveries/s is reported. */
  repeat: number;
  /** A run during which other work on the box took more than this share of its CPU is run again... */
  maxForeign: number;
  /** ...at most this many times (the least disturbed run is kept). */
  retries: number;
  /** `herald-socketio`: Herald with its clients on its Socket.IO endpoint (beside the stock Socket.IO server). */
  /** `socketio-per-user`: the stock Socket.IO server emitting to each socket its own payload with an ack (`--per-user`). */
  systems: ("herald" | "raw" | "socketio" | "herald-socketio" | "socketio-per-user")[];
  /** The frame the raw ws baseline pushes: shaped like Herald's notification push (default) or its room event push. */
  rawShape?: "notification" | "room";
  /**
   * Who makes the baseline's messages: the server itself, stamped as it writes
   * (default), or a backend (this process) POSTing each to `/publish`, stamped
   * before the call, `heraldInFlight` outstanding or paced at `rate` — as
   * Herald's backend does over gRPC.
   */
  rawPublisher?: "server" | "backend";
  /** With a backend publisher: the raw server stores each message in this Postgres database first (raw ws + pg). */
  rawPgUrl?: string;
}

/** Options from flags / env; `clients` overrides --clients (run-all) and the defaults that follow from it. */
export function broadcastParamsFromArgs(override: { clients?: number } = {}): BroadcastParams {
  const clients = override.clients ?? numOpt("clients", 1_000);
  return {
    clients,
    messages:
      override.clients !== undefined
        ? Math.max(20, Math.round(200_000 / clients))
        : numOpt("messages", Math.max(20, Math.round(200_000 / clients))),
    rate: numOpt("rate", 0),
    warmup: numOpt("warmup", 10),
    clientProcs: numOpt("client-procs", 1),
    sourceAddresses: numOpt("source-addresses", Math.max(1, Math.ceil(clients / 5_000))),
    heraldInFlight: numOpt("herald-in-flight", 4),
    repeat: Math.max(1, numOpt("repeat", 1)),
    maxForeign: numOpt("max-foreign", 0.1),
    retries: numOpt("retries", 2),
    systems: listOpt("systems", ["herald", "raw", "socketio"]) as BroadcastParams["systems"],
    rawPublisher: listOpt("publisher", ["server"])[0] === "backend" ? "backend" : "server",
  };
}

export const FIGURES: FigureDef[] = [
  { key: "deliveriesPerSec", label: "deliveries/s", unit: "/s", better: "higher" },
  { key: "p50", label: "latency p50", unit: "ms", better: "lower" },
  { key: "p99", label: "latency p99", unit: "ms", better: "lower" },
  { key: "p999", label: "latency p99.9", unit: "ms", better: "lower" },
  { key: "max", label: "latency max", unit: "ms", better: "lower" },
  { key: "delivered", label: "delivered (of clients x messages)", unit: "count", better: "higher" },
  { key: "serverCpuMsPer1k", label: "server CPU per 1,000 deliveries", unit: "ms", better: "lower" },
];

/** What differs between systems; the measurement around it is shared. */
interface Target {
  name: string;
  adapter: AdapterName;
  url: string;
  jwtSecret?: string;
  serverPid: number;
  /** Resolves once the server counts `n` connected (subscribed) clients. */
  awaitConnections(n: number): Promise<void>;
  warmup(p: BroadcastParams): Promise<void>;
  /** Sends the measured notifications; returns when the last was handed over. */
  send(p: BroadcastParams): Promise<{ sendStartMs: number; sendEndMs: number }>;
}

async function measure(t: Target, p: BroadcastParams): Promise<SystemResult> {
  const fleet = await Fleet.start({
    adapter: t.adapter,
    url: t.url,
    clients: p.clients,
    procs: p.clientProcs,
    expectPerClient: p.messages,
    localAddresses: loopbackAddresses(p.sourceAddresses),
    jwtSecret: t.jwtSecret,
    label: t.name,
  });
  try {
    if (fleet.connected === 0)
      return { name: t.name, status: "failed", note: `no client could connect: ${fleet.firstError ?? "unknown error"}`, figures: {} };
    await t.awaitConnections(fleet.connected);
    await t.warmup(p);
    const before = procUsage(t.serverPid);
    const meter = new BoxMeter();
    const self0 = process.cpuUsage();
    const { sendStartMs, sendEndMs } = await t.send(p);
    // Bounded wait for the tail: deliveries lag sends by the queues in between.
    const s = await fleet.results(Math.max(15_000, 5 * (sendEndMs - sendStartMs)));
    const after = procUsage(t.serverPid);
    const self = process.cpuUsage(self0);
    const serverCpuMs = before && after ? after.cpuMs - before.cpuMs : 0;
    const box = meter.stop(serverCpuMs + s.clientCpuMs + (self.user + self.system) / 1000);
    const h = s.hist.summary();
    const elapsedSec = (s.lastRecvMs - sendStartMs) / 1000;
    const figures: Record<string, number> = {
      deliveriesPerSec: s.received / elapsedSec,
      p50: h.p50,
      p99: h.p99,
      p999: h.p999,
      max: h.max,
      delivered: s.received,
    };
    if (before && after && s.received > 0) figures.serverCpuMsPer1k = ((after.cpuMs - before.cpuMs) / s.received) * 1000;
    const notes: string[] = [];
    if (fleet.connected < p.clients)
      notes.push(`${p.clients - fleet.connected} of ${p.clients} clients failed to connect (${fleet.firstError})`);
    if (s.received < p.clients * p.messages) notes.push(`${p.clients * p.messages - s.received} deliveries missing`);
    if (box.foreignShare > 0.1)
      notes.push(`other work on the box took ${Math.round(box.foreignShare * 100)}% of its CPU during the run: noisy`);
    return {
      name: t.name,
      status: "ok",
      note: notes.join("; ") || undefined,
      figures,
      latency: h,
      details: {
        connected: fleet.connected,
        connectMs: fleet.connectMs,
        expected: p.clients * p.messages,
        received: s.received,
        perClientMin: s.perClientMin,
        perClientMax: s.perClientMax,
        closedDuringRun: s.closedDuringRun,
        sendMs: sendEndMs - sendStartMs,
        deliverMs: s.lastRecvMs - sendStartMs,
        serverCpuMs: before && after ? after.cpuMs - before.cpuMs : undefined,
        serverRssMiB: after ? after.rssBytes / 2 ** 20 : undefined,
        clientCpuMs: s.clientCpuMs,
        clientReasons: s.reasons,
        boxBusyShare: box.busyShare,
        foreignCpuShare: box.foreignShare,
        latency: h,
      },
    };
  } finally {
    await fleet.stop();
  }
}

/** The raw ws and Socket.IO baselines: a server process with an HTTP control channel. */
export async function runBaseline(system: "raw" | "socketio" | "socketio-per-user", p: BroadcastParams): Promise<SystemResult> {
  const kind = system === "raw" ? "raw" : "socketio";
  const name = kind === "raw" ? "raw ws" : system === "socketio" ? "Socket.IO" : "Socket.IO per user";
  const server = spawnTs(kind === "raw" ? "bench/baselines/raw-ws-server.ts" : "bench/baselines/socketio-server.ts", {
    name: `${kind}-server`,
    args: [
      ...(p.rawShape === "room" ? ["--room-shape"] : []),
      ...(p.rawPgUrl ? ["--pg", p.rawPgUrl] : []),
      ...(system === "socketio-per-user" ? ["--per-user"] : []),
    ],
    nodeFlags: ["--max-old-space-size=4096", ...(process.env.BENCH_RAW_NODE_FLAGS ?? "").split(" ").filter(Boolean)],
  });
  try {
    const { port, controlPort } = await waitReady<{ port: number; controlPort: number }>(server, 30_000);
    const control = `http://127.0.0.1:${controlPort}`;
    return await measure(
      {
        name,
        adapter: kind,
        url: kind === "raw" ? `ws://127.0.0.1:${port}/` : `http://127.0.0.1:${port}`,
        serverPid: server.pid,
        async awaitConnections(n) {
          const until = Date.now() + 30_000;
          while ((await httpJson<{ connections: number }>("GET", `${control}/stats`)).connections < n) {
            if (Date.now() > until) throw new Error(`${name}: server did not see ${n} clients within 30 s`);
            await sleep(100);
          }
        },
        async warmup(q) {
          if (q.warmup > 0 && q.rawPublisher === "backend") {
            const persist = q.rawPgUrl !== undefined;
            await paced(q.warmup, 0, (k) => httpJson("POST", `${control}/publish`, { i: -1 - k, t: nowMs(), persist }), q.heraldInFlight);
            await sleep(300);
          } else if (q.warmup > 0) await httpJson("POST", `${control}/broadcast`, { count: 0, warmup: q.warmup });
        },
        async send(q) {
          if (q.rawPublisher === "backend") {
            const persist = q.rawPgUrl !== undefined;
            const publish = (k: number) => httpJson("POST", `${control}/publish`, { i: k, t: nowMs(), persist });
            const r = q.rate > 0 ? await paced(q.messages, q.rate, publish, 64) : await paced(q.messages, 0, publish, q.heraldInFlight);
            return { sendStartMs: r.startMs, sendEndMs: r.endMs };
          }
          const r = await httpJson<BroadcastResult>("POST", `${control}/broadcast`, { count: q.messages, rate: q.rate });
          return { sendStartMs: r.sendStartMs, sendEndMs: r.sendEndMs };
        },
      },
      p,
    );
  } catch (err) {
    return { name, status: "failed", note: err instanceof Error ? err.message : String(err), figures: {} };
  } finally {
    await server.stop();
  }
}

/**
 * ===================== HERALD HOOK (scenario 1) =====================
 * Same parameters and the same measurement as the baselines. Herald is started
 * as its own process (`node dist/src/cli.js serve`, see bench/lib/herald.ts
 * for the environment), N clients connect to ws://127.0.0.1:HERALD_HTTP_PORT/ws?token=JWT
 * (HS256, sub = u0..u<N-1>), and each notification is one SendNotifications call
 * addressed to all N users (one notification per 1,000 recipients), ephemeral,
 * content {t: send time on the bench clock, i: number}; up to heraldInFlight
 * calls in flight. Pushed frames are read as {"notification":{...,"content":{t,i}}}.
 * Skips (status "skipped") while the WebSocket gateway is not there.
 * ====================================================================
 */
export async function runHeraldBroadcast(p: BroadcastParams, over: "ws" | "socketio" = "ws"): Promise<SystemResult> {
  const name = over === "ws" ? "Herald" : "Herald (Socket.IO)";
  let node;
  try {
    node = await startHeraldNode({ label: "herald", nodeFlags: ["--max-old-space-size=4096"] });
  } catch (err) {
    return { name, status: "skipped", note: `Herald did not start: ${oneLine(err)}`, figures: {} };
  }
  try {
    if (!node.wsListening) return { name, status: "skipped", note: WS_GATEWAY_MISSING, figures: {} };
    const users = Array.from({ length: p.clients }, (_, k) => `u${k}`);
    const n = node;
    const r = await measure(
      {
        name,
        adapter: over === "ws" ? "herald" : "herald-socketio",
        url: over === "ws" ? n.wsUrlTemplate : `http://127.0.0.1:${n.httpPort}/notifications?token={token}`,
        jwtSecret: n.jwtSecret,
        serverPid: n.pid,
        // A client counts as connected once Herald's `authenticate` frame says its session is attached.
        awaitConnections: () => sleep(300),
        async warmup(q) {
          if (q.warmup === 0) return;
          await paced(q.warmup, 0, (k) => n.send(broadcastRequest(users, nowMs(), -1 - k, false)), q.heraldInFlight);
          await sleep(300);
        },
        async send(q) {
          const { startMs, endMs } = await paced(
            q.messages,
            q.rate,
            (k) => n.send(broadcastRequest(users, nowMs(), k, false)),
            q.heraldInFlight,
          );
          return { sendStartMs: startMs, sendEndMs: endMs };
        },
      },
      p,
    );
    if (r.status === "failed") return { ...r, status: "skipped", note: `Herald's WebSocket gateway refused the clients: ${r.note}` };
    return r;
  } catch (err) {
    return { name, status: "failed", note: err instanceof Error ? err.message : String(err), figures: {} };
  } finally {
    await node.stop();
  }
}

export async function runBroadcast(p: BroadcastParams): Promise<ScenarioResult> {
  const started = new Date();
  const t0 = nowMs();
  process.stdout.write(
    `\n-- broadcast: ${p.clients} clients x ${p.messages} messages (${p.rate > 0 ? `${p.rate}/s` : "as fast as possible"})\n`,
  );
  const run = async (sys: BroadcastParams["systems"][number]): Promise<SystemResult> => {
    process.stdout.write(`   ${sys}...`);
    let best: SystemResult | undefined;
    const foreign = (r: SystemResult) => (r.details?.foreignCpuShare as number | undefined) ?? 0;
    for (let attempt = 0; attempt <= p.retries; attempt++) {
      const quiet = await waitForQuiet();
      const r =
        sys === "herald" || sys === "herald-socketio"
          ? await runHeraldBroadcast(p, sys === "herald" ? "ws" : "socketio")
          : await runBaseline(sys, p);
      r.details = { ...r.details, busyShareBeforeStart: quiet.busyShare, waitedForQuietMs: quiet.waitedMs, attempts: attempt + 1 };
      if (quiet.busyShare >= 0.15)
        r.note = [r.note, `box already ${Math.round(quiet.busyShare * 100)}% busy with other work at start: noisy`]
          .filter(Boolean)
          .join("; ");
      if (!best || (r.status === "ok" && (best.status !== "ok" || foreign(r) < foreign(best)))) best = r;
      if (r.status !== "ok" || foreign(r) <= p.maxForeign) break;
      if (attempt < p.retries) process.stdout.write(` disturbed (${Math.round(foreign(r) * 100)}% of CPU to other work), again...`);
    }
    const r = best!;
    process.stdout.write(
      ` ${r.status}${r.status === "ok" ? ` (${Math.round(r.figures.deliveriesPerSec ?? 0).toLocaleString("en-US")} deliveries/s, p99 ${r.latency?.p99.toFixed(1)} ms)` : ""}${r.note ? `: ${r.note}` : ""}\n`,
    );
    return r;
  };
  // Interleave the systems run by run, so slow drift in the box's noise hits them alike.
  const order = (["herald", "herald-socketio", "raw", "socketio", "socketio-per-user"] as const).filter((x) => p.systems.includes(x));
  // `herald-socketio` takes Herald's place in the report (run it with `socketio` for the comparison).
  const heraldKey = runsHeraldOverSocketIo(p) ? "herald-socketio" : "herald";
  const runs = new Map<string, SystemResult[]>(order.map((x) => [x, []]));
  for (let k = 0; k < p.repeat; k++) for (const sys of order) runs.get(sys)!.push(await run(sys));
  const pick = (sys: string): SystemResult => {
    const all = runs.get(sys)!;
    const ok = all.filter((r) => r.status === "ok").sort((a, b) => (a.figures.deliveriesPerSec ?? 0) - (b.figures.deliveriesPerSec ?? 0));
    if (ok.length === 0) return all[all.length - 1]!;
    const median = ok[Math.floor((ok.length - 1) / 2)]!;
    if (all.length > 1)
      median.details = {
        ...median.details,
        runs: all.map((r) => ({ status: r.status, ...r.figures })),
        reported: `median of ${ok.length} by deliveries/s`,
      };
    return median;
  };
  const herald: SystemResult = runs.has(heraldKey)
    ? pick(heraldKey)
    : { name: "Herald", status: "skipped", note: "not selected (--systems)", figures: {} };
  const baselines: SystemResult[] = order.filter((x) => x !== "herald" && x !== "herald-socketio").map(pick);
  const result: ScenarioResult = {
    scenario: runsHeraldOverSocketIo(p) ? `broadcast-${p.clients}-socketio` : `broadcast-${p.clients}`,
    title: `Broadcast fan-out: ${p.clients.toLocaleString("en-US")} clients x ${p.messages} notifications`,
    startedAt: started.toISOString(),
    durationSec: Math.round((nowMs() - t0) / 100) / 10,
    machine: machineInfo(),
    params: { ...p },
    figures: FIGURES,
    herald,
    baselines,
    notes: [
      "deliveries/s = deliveries / (last receive - first send); latency = receive time in the client process - send stamp t, on the box's monotonic clock.",
      "Baselines stamp t in the server as a message is handed to the sockets; Herald's t is stamped by the gRPC sender before the call, so Herald's latency also includes the RPC.",
      `${p.clientProcs} load-generator process(es) and one server process share the machine's ${machineInfo().cores} cores.`,
    ],
  };
  report(result);
  return result;
}

/** Herald's clients on its Socket.IO endpoint (`--systems herald-socketio,...`) rather than the native one. */
function runsHeraldOverSocketIo(p: BroadcastParams): boolean {
  return p.systems.includes("herald-socketio") && !p.systems.includes("herald");
}

runIfMain(import.meta.url, () => runBroadcast(broadcastParamsFromArgs()));
