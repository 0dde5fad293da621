/**
 * Rooms: one room with N subscribers, messages published by a backend and
 * delivered to all of them; deliveries/s and send->receive latency for Herald
 * (ephemeral and persistent messages) beside the raw `ws` broadcast baseline
 * of scenario 1 in the same run, each as fast as possible and at a fixed rate.
 * Then presence churn: joins + leaves per second the node answers while the
 * room (presence on) holds its N subscribers.
 *
 *   npm run bench:room                        # 1,000 subscribers x 200 messages
 *   npm run bench:room -- --clients 10000     # 10,000 subscribers x 20 messages
 *
 * Options (flag or BENCH_<NAME> env): --clients, --messages (default 200,000 /
 * clients, at least 20), --fixed-rate (messages/s of the paced runs, default
 * 1,000), --batch (messages per PublishRoomMessages call, default 1),
 * --in-flight (calls outstanding when as fast as possible, default 4),
 * --modes (ephemeral,persistent), --systems (herald,raw), --warmup,
 * --client-procs, --source-addresses, --repeat (runs per configuration,
 * interleaved; the median by deliveries/s is reported), --max-foreign /
 * --retries (as scenario 1), --churn-seconds (0 = no churn run, default 10),
 * --churn-connections (default 100), --churn-watchers (subscribers asking for
 * presence events, default min(1,000, clients)), --filter-groups N (0 = off:
 * each subscriber joins with the filter {"equals": {"g": <user number mod N>}}
 * and message i carries g = i mod N, so 1/N of the subscribers match each
 * message; the raw ws baseline then has clients / N sockets, the same
 * deliveries per message).
 *
 *   npm run bench:room -- --clients 10000 --filter-groups 100 --modes ephemeral --churn-seconds 0
 *
 * --over socketio: Herald's subscribers on its Socket.IO endpoint (MinChat's
 * `room.join` on the default namespace, `message` events) beside the stock
 * Socket.IO 4 server broadcasting the same `message` data to a room (one
 * encode per message) instead of raw ws; ephemeral messages only.
 *
 *   npm run bench:room -- --over socketio --modes ephemeral --churn-seconds 0
 */
import { runIfMain, listOpt, numOpt } from "../lib/args.js";
import { nowMs } from "../lib/clock.js";
import { machineInfo } from "../lib/machine.js";
import { quietRun } from "../lib/noise.js";
import { createScratchDb } from "../lib/pg.js";
import { runHeraldChurn, runHeraldRoom } from "../lib/room-herald.js";
import { report, type FigureDef, type ScenarioResult, type SystemResult } from "../lib/results.js";
import { type BroadcastParams, runBaseline } from "./broadcast.js";

type Mode = "ephemeral" | "persistent";

export interface RoomParams {
  clients: number;
  messages: number;
  fixedRate: number;
  batch: number;
  inFlight: number;
  modes: Mode[];
  systems: ("herald" | "raw")[];
  warmup: number;
  clientProcs: number;
  sourceAddresses: number;
  repeat: number;
  maxForeign: number;
  retries: number;
  churnSeconds: number;
  churnConnections: number;
  churnWatchers: number;
  filterGroups: number;
  /** Subscribers on Herald's native endpoint beside raw ws (default), or on its Socket.IO endpoint beside stock Socket.IO. */
  over: "ws" | "socketio";
}

/** `--over` (ws or socketio). */
function strOver(): "ws" | "socketio" {
  const v = listOpt("over", ["ws"])[0];
  if (v !== "ws" && v !== "socketio") throw new Error(`--over must be ws or socketio, not ${v}`);
  return v;
}

export function roomParamsFromArgs(override: { clients?: number } = {}): RoomParams {
  const clients = override.clients ?? numOpt("clients", 1_000);
  const over = strOver();
  return {
    clients,
    messages:
      override.clients !== undefined
        ? Math.max(20, Math.round(200_000 / clients))
        : numOpt("messages", Math.max(20, Math.round(200_000 / clients))),
    fixedRate: numOpt("fixed-rate", 1_000),
    batch: Math.max(1, numOpt("batch", 1)),
    inFlight: Math.max(1, numOpt("in-flight", 4)),
    // Stock Socket.IO stores nothing: over Socket.IO, ephemeral messages only.
    modes: (listOpt("modes", ["ephemeral", "persistent"]) as Mode[]).filter((m) => over === "ws" || m === "ephemeral"),
    systems: listOpt("systems", ["herald", "raw"]).filter((s) => s === "herald" || s === "raw") as RoomParams["systems"],
    warmup: numOpt("warmup", 10),
    clientProcs: numOpt("client-procs", 1),
    sourceAddresses: numOpt("source-addresses", Math.max(1, Math.ceil(clients / 5_000))),
    repeat: Math.max(1, numOpt("repeat", 1)),
    maxForeign: numOpt("max-foreign", 0.1),
    retries: numOpt("retries", 2),
    churnSeconds: numOpt("churn-seconds", 10),
    churnConnections: Math.max(1, numOpt("churn-connections", 100)),
    over,
    churnWatchers: Math.min(clients, numOpt("churn-watchers", 1_000)),
    filterGroups: numOpt("filter-groups", 0),
  };
}

interface Pace {
  key: string;
  label: string;
  /** Messages/s; 0 = as fast as possible. */
  rate: number;
}

interface Config extends Pace {
  mode: Mode;
}

function paces(p: RoomParams): Pace[] {
  return [
    { key: "fast", label: "as fast as possible", rate: 0 },
    { key: "fixed", label: `${p.fixedRate.toLocaleString("en-US")}/s`, rate: p.fixedRate },
  ];
}

function configs(p: RoomParams): Config[] {
  return paces(p).flatMap((pace) =>
    p.modes.map((mode) => ({ ...pace, key: `${pace.key}_${mode}`, label: `${mode}, ${pace.label}`, mode })),
  );
}

const PER_CONFIG: (Omit<FigureDef, "key"> & { k: string })[] = [
  { k: "deliveriesPerSec", label: "deliveries/s", unit: "/s", better: "higher" },
  { k: "p50", label: "latency p50", unit: "ms", better: "lower" },
  { k: "p99", label: "latency p99", unit: "ms", better: "lower" },
  { k: "p999", label: "latency p99.9", unit: "ms", better: "lower" },
  { k: "max", label: "latency max", unit: "ms", better: "lower" },
  { k: "delivered", label: "delivered (of clients x messages)", unit: "count", better: "higher" },
  { k: "serverCpuMsPer1k", label: "server CPU per 1,000 deliveries", unit: "ms", better: "lower" },
];

const CHURN: FigureDef[] = [
  { key: "churn_opsPerSec", label: "presence churn: joins + leaves/s", unit: "/s", better: "higher" },
  { key: "churn_joinP50", label: "presence churn: join reply p50", unit: "ms", better: "lower" },
  { key: "churn_joinP99", label: "presence churn: join reply p99", unit: "ms", better: "lower" },
  { key: "churn_leaveP50", label: "presence churn: leave reply p50", unit: "ms", better: "lower" },
  { key: "churn_leaveP99", label: "presence churn: leave reply p99", unit: "ms", better: "lower" },
  { key: "churn_presencePerSec", label: "presence churn: presence pushes delivered/s", unit: "/s", better: "higher" },
  {
    key: "churn_presenceShare",
    label: "presence churn: presence pushes delivered, % of joins+leaves x watchers",
    unit: "%",
    better: "higher",
  },
  { key: "churn_serverCpuPct", label: "presence churn: server CPU, % of one core", unit: "%", better: "lower" },
  { key: "churn_errors", label: "presence churn: error replies", unit: "count", better: "lower" },
];

export function figureDefs(p: RoomParams): FigureDef[] {
  return [
    ...configs(p).flatMap((c) =>
      PER_CONFIG.map((f) => ({ key: `${c.key}_${f.k}`, label: `${c.label}: ${f.label}`, unit: f.unit, better: f.better })),
    ),
    ...(p.churnSeconds > 0 ? CHURN : []),
  ];
}

/**
 * The raw baseline: with filter groups, the sockets one message reaches (clients / groups), each getting every
 * message; beside persistent messages it stores each in Postgres first (`rawPgUrl`: raw ws + pg).
 */
function rawParams(p: RoomParams, rate: number, rawPgUrl?: string): BroadcastParams {
  const clients = p.filterGroups > 0 ? Math.ceil(p.clients / p.filterGroups) : p.clients;
  return { ...p, clients, rate, heraldInFlight: p.inFlight, systems: ["raw"], rawShape: "room", rawPublisher: "backend", rawPgUrl };
}

/** The baseline's name: raw ws, or stock Socket.IO with `--over socketio`. */
function baseName(p: RoomParams, mode: Mode): string {
  if (p.over === "socketio") return "Socket.IO";
  return mode === "persistent" ? "raw ws + pg" : "raw ws";
}

/** One raw run beside `mode`: persistent messages are stored in a scratch database first. */
async function runRaw(p: RoomParams, rate: number, mode: Mode): Promise<SystemResult> {
  if (p.over === "socketio") return runBaseline("socketio", rawParams(p, rate));
  if (mode === "ephemeral") return runBaseline("raw", rawParams(p, rate));
  const db = await createScratchDb();
  try {
    return await runBaseline("raw", rawParams(p, rate, db.url));
  } finally {
    await db.drop();
  }
}

/** The run with the median deliveries/s of the ok ones (all runs kept in its details). */
function pickMedian(all: SystemResult[]): SystemResult {
  const ok = all.filter((r) => r.status === "ok").sort((a, b) => (a.figures.deliveriesPerSec ?? 0) - (b.figures.deliveriesPerSec ?? 0));
  if (ok.length === 0) return all[all.length - 1]!;
  const median = ok[Math.floor((ok.length - 1) / 2)]!;
  if (all.length > 1)
    median.details = {
      ...median.details,
      reported: `median of ${ok.length} by deliveries/s`,
      runs: all.map((r) => ({ status: r.status, ...r.figures })),
    };
  return median;
}

/** A note with its repeated parts dropped (a run's own noise note and quietRun's say the same). */
function uniqueParts(note: string): string {
  return [...new Set(note.split("; "))].join("; ");
}

function say(r: SystemResult): void {
  const f = r.figures;
  const what =
    f.opsPerSec !== undefined
      ? `${Math.round(f.opsPerSec).toLocaleString("en-US")} joins+leaves/s, join p99 ${f.joinP99?.toFixed(1)} ms`
      : `${Math.round(f.deliveriesPerSec ?? 0).toLocaleString("en-US")} deliveries/s, p99 ${f.p99?.toFixed(1)} ms`;
  process.stdout.write(` ${r.status}${r.status === "ok" ? ` (${what})` : ""}${r.note ? `: ${r.note}` : ""}\n`);
}

function verdicts(herald: SystemResult, raw: SystemResult | undefined, p: RoomParams): string[] {
  if (raw?.status !== "ok" || herald.status !== "ok") return [];
  return configs(p)
    .filter((c) => c.rate === 0 && herald.figures[`${c.key}_deliveriesPerSec`] !== undefined)
    .map((c) => {
      const d = herald.figures[`${c.key}_deliveriesPerSec`]! / raw.figures[`${c.key}_deliveriesPerSec`]!;
      const l = herald.figures[`${c.key}_p99`]! / raw.figures[`${c.key}_p99`]!;
      const base = baseName(p, c.mode);
      // Issue 10's targets against raw ws; issue 12's against stock Socket.IO (>= 1.0x, p99 no worse).
      const [dMin, lMax] = p.over === "socketio" ? [1.0, 1.0] : [0.9, 1.5];
      return `target (${c.label}): deliveries/s ${d.toFixed(2)}x ${base} (>= ${dMin.toFixed(1)}x ${d >= dMin ? "met" : "NOT met"}), p99 ${l.toFixed(2)}x ${base} (<= ${lMax.toFixed(1)}x ${l <= lMax ? "met" : "NOT met"})`;
    });
}

export async function runRoom(p: RoomParams): Promise<ScenarioResult> {
  const started = new Date();
  const t0 = nowMs();
  process.stdout.write(
    `\n-- rooms: one room, ${p.clients.toLocaleString("en-US")} subscribers x ${p.messages} messages (${p.batch} per call)\n`,
  );
  const quiet = (run: () => Promise<SystemResult>) =>
    quietRun(run, {
      maxForeign: p.maxForeign,
      retries: p.retries,
      onRetry: (f) => process.stdout.write(` disturbed (${Math.round(f * 100)}% of CPU to other work), again...`),
    });
  const heraldRuns = new Map<string, SystemResult[]>(configs(p).map((c) => [c.key, []]));
  const rawRuns = new Map<string, SystemResult[]>(configs(p).map((c) => [c.key, []]));
  for (let round = 0; round < p.repeat; round++)
    for (const pace of paces(p)) {
      if (p.systems.includes("herald"))
        for (const c of configs(p).filter((x) => x.rate === pace.rate)) {
          process.stdout.write(`   herald${p.over === "socketio" ? " over Socket.IO" : ""} ${c.label}...`);
          const r = await quiet(() => runHeraldRoom({ ...p, rate: c.rate, persistent: c.mode === "persistent" }));
          say(r);
          heraldRuns.get(c.key)!.push(r);
        }
      if (p.systems.includes("raw"))
        for (const c of configs(p).filter((x) => x.rate === pace.rate)) {
          process.stdout.write(`   ${baseName(p, c.mode)} ${pace.label}...`);
          const r = await quiet(() => runRaw(p, pace.rate, c.mode));
          say(r);
          rawRuns.get(c.key)!.push(r);
        }
    }
  let churn: SystemResult | undefined;
  if (p.systems.includes("herald") && p.churnSeconds > 0) {
    process.stdout.write(`   herald presence churn (${p.churnConnections} connections, ${p.churnWatchers} watching)...`);
    churn = await quiet(() => runHeraldChurn(p));
    say(churn);
  }

  const herald: SystemResult = { name: "Herald", status: "skipped", note: "not selected (--systems)", figures: {}, chart: [], details: {} };
  const notes: string[] = [];
  for (const c of configs(p)) {
    const runs = heraldRuns.get(c.key)!;
    if (runs.length === 0) continue;
    const r = pickMedian(runs);
    if (r.status === "ok") {
      for (const [k, v] of Object.entries(r.figures)) herald.figures[`${c.key}_${k}`] = v;
      if (r.latency) herald.chart!.push({ name: `Herald ${c.label}`, summary: r.latency });
    }
    if (r.note) notes.push(`${c.label}: ${r.status === "ok" ? "" : `${r.status}, `}${uniqueParts(r.note)}`);
    herald.details![c.key] = { status: r.status, note: r.note, latency: r.latency, ...r.details };
  }
  if (churn) {
    if (churn.status === "ok") for (const [k, v] of Object.entries(churn.figures)) herald.figures[`churn_${k}`] = v;
    herald.chart!.push(...(churn.chart ?? []));
    if (churn.note) notes.push(`presence churn: ${churn.status === "ok" ? "" : `${churn.status}, `}${churn.note}`);
    herald.details!.churn = { status: churn.status, note: churn.note, ...churn.details };
  }
  if (p.systems.includes("herald")) {
    herald.status = Object.keys(herald.figures).length > 0 ? "ok" : "failed";
    herald.note = notes.join("; ") || undefined;
    herald.latency = herald.chart![0]?.summary;
  }
  const baselines: SystemResult[] = [];
  if (p.systems.includes("raw")) {
    const raw: SystemResult = {
      name: p.over === "socketio" ? "Socket.IO" : "raw ws (+ pg beside persistent)",
      status: "failed",
      figures: {},
      chart: [],
      details: {},
    };
    const rawNotes: string[] = [];
    for (const c of configs(p)) {
      const runs = rawRuns.get(c.key)!;
      if (runs.length === 0) continue;
      const r = pickMedian(runs);
      const label = `${baseName(p, c.mode)} ${c.label}`;
      if (r.status === "ok") {
        raw.status = "ok";
        raw.latency ??= r.latency;
        if (r.latency) raw.chart!.push({ name: label, summary: r.latency });
        for (const [k, v] of Object.entries(r.figures)) raw.figures[`${c.key}_${k}`] = v;
      }
      if (r.note) rawNotes.push(`${label}: ${uniqueParts(r.note)}`);
      raw.details![c.key] = { status: r.status, note: r.note, latency: r.latency, ...r.details };
    }
    raw.note = rawNotes.join("; ") || undefined;
    baselines.push(raw);
  }
  const result: ScenarioResult = {
    scenario: `room-${p.clients}${p.filterGroups > 0 ? `-filtered-${p.filterGroups}` : ""}${p.over === "socketio" ? "-socketio" : ""}`,
    title:
      p.filterGroups > 0
        ? `Filtered room fan-out: ${p.clients.toLocaleString("en-US")} filtered subscribers, 1 in ${p.filterGroups} matching each of ${p.messages} messages`
        : `Room fan-out: ${p.clients.toLocaleString("en-US")} subscribers x ${p.messages} messages`,
    startedAt: started.toISOString(),
    durationSec: Math.round((nowMs() - t0) / 100) / 10,
    machine: machineInfo(),
    params: { ...p },
    figures: figureDefs(p),
    herald,
    baselines,
    notes: [
      `Herald: one room (JOIN_POLICY_OPEN), every client joined it; one PublishRoomMessages call per ${p.batch} message(s), content {t, i} with t stamped by the backend just before the call; as fast as possible = ${p.inFlight} calls in flight, fixed rate = calls paced at ${p.fixedRate.toLocaleString("en-US")} messages/s. Latency includes the RPC (and, persistent, the commit).`,
      p.over === "socketio"
        ? `Over Socket.IO: Herald's subscribers are socket.io-client 4 sockets on its default (MinChat) namespace, authenticated by a token in the query, each joining the room with \`room.join {channelId}\` and counting MinChat \`message\` events. Stock Socket.IO: the Socket.IO 4 server (websocket transport, no compression), every client in one Socket.IO room, each message published by a backend (POST /publish, t stamped just before the call, ${p.inFlight} in flight) and sent with one \`io.to(room).emit("message", data)\` carrying the same data Herald's endpoint emits (one encode per message).`
        : p.filterGroups > 0
          ? `Filtered: each subscriber joined with {"equals": {"g": <user number mod ${p.filterGroups}>}}, message i carries g = i mod ${p.filterGroups}: ${Math.ceil(p.clients / p.filterGroups).toLocaleString("en-US")} subscribers match each message. raw ws runs with that many sockets, each getting every message (the same deliveries per message, no filtering): the ratio is the cost of the ${(p.clients - Math.ceil(p.clients / p.filterGroups)).toLocaleString("en-US")} subscriptions that do not match. Messages/s = deliveries/s / ${Math.ceil(p.clients / p.filterGroups).toLocaleString("en-US")}.`
          : `raw ws: scenario 1's server pushing frames shaped and sized like Herald's room events (--room-shape: subscription id, room, kind, message id, times, scope); like Herald's, each message is published by a backend (this process POSTs it to the server's /publish, t stamped just before the call; ${p.inFlight} calls in flight as fast as possible, paced at the fixed rate), and every client gets every message (one encode per message, the same buffer to every socket). Beside persistent messages it is raw ws + pg: the server first stores each message with one INSERT (autocommit, a pool of 4) into a scratch database, then sends it.`,
      ...(p.churnSeconds > 0
        ? [
            `Presence churn: the room with presence on holds ${p.clients.toLocaleString("en-US")} subscriptions, ${p.churnWatchers.toLocaleString("en-US")} of them asking for presence events; ${p.churnConnections} further sessions (distinct users) join and leave in a closed loop for ${p.churnSeconds} s (per-connection request limit lifted); every join and leave is a presence change pushed to the watchers.`,
          ]
        : []),
      ...verdicts(herald, baselines[0], p),
    ],
  };
  report(result);
  return result;
}

runIfMain(import.meta.url, () => runRoom(roomParamsFromArgs()));
