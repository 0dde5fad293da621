/**
 * The two measurements of the room benchmark (bench/scenarios/room.ts):
 * delivery of published messages to one room's subscribers (the same
 * measurement as scenario 1's broadcast, with the `room` adapter), and
 * presence churn (joins and leaves a node answers per second while the room
 * holds its subscribers).
 */
import { Fleet } from "./fleet.js";
import type { HistogramJson } from "./histogram.js";
import { Histogram } from "./histogram.js";
import { BoxMeter } from "./noise.js";
import { loopbackAddresses } from "./net.js";
import { procUsage, spawnTs, waitReady } from "./proc.js";
import type { SystemResult } from "./results.js";
import { sleep } from "./clock.js";

export interface DeliveryTarget {
  name: string;
  /** How subscribers connect and join: natively (default) or on the Socket.IO endpoint. */
  adapter?: "room" | "room-socketio";
  url: string;
  jwtSecret: string;
  serverPid: number;
  roomId: string;
  clients: number;
  messages: number;
  /** Subscribers filter on one of this many groups (messages go round-robin over the groups); 0: unfiltered. */
  filterGroups: number;
  clientProcs: number;
  sourceAddresses: number;
  warmup(): Promise<void>;
  /** Publishes the measured messages; returns when the last call was acknowledged. */
  send(): Promise<{ sendStartMs: number; sendEndMs: number }>;
}

/** Subscribers join the room (adapter `room`), then the target publishes; deliveries/s, latency and server CPU as scenario 1. */
export async function measureDelivery(t: DeliveryTarget): Promise<SystemResult> {
  const perClient = t.filterGroups > 0 ? Math.floor(t.messages / t.filterGroups) : t.messages;
  const fleet = await Fleet.start({
    adapter: t.adapter ?? "room",
    room: { roomId: t.roomId, presence: false, filterGroups: t.filterGroups },
    url: t.url,
    clients: t.clients,
    procs: t.clientProcs,
    expectPerClient: perClient,
    localAddresses: loopbackAddresses(t.sourceAddresses),
    jwtSecret: t.jwtSecret,
    label: t.name,
  });
  try {
    if (fleet.connected === 0)
      return { name: t.name, status: "failed", note: `no client could join: ${fleet.firstError ?? "unknown error"}`, figures: {} };
    await t.warmup();
    const before = procUsage(t.serverPid);
    const meter = new BoxMeter();
    const self0 = process.cpuUsage();
    const { sendStartMs, sendEndMs } = await t.send();
    const s = await fleet.results(Math.max(15_000, 5 * (sendEndMs - sendStartMs)));
    const after = procUsage(t.serverPid);
    const self = process.cpuUsage(self0);
    const serverCpuMs = before && after ? after.cpuMs - before.cpuMs : undefined;
    const box = meter.stop((serverCpuMs ?? 0) + s.clientCpuMs + (self.user + self.system) / 1000);
    const h = s.hist.summary();
    const figures: Record<string, number> = {
      deliveriesPerSec: s.received / ((s.lastRecvMs - sendStartMs) / 1000),
      p50: h.p50,
      p99: h.p99,
      p999: h.p999,
      max: h.max,
      delivered: s.received,
    };
    if (serverCpuMs !== undefined && s.received > 0) figures.serverCpuMsPer1k = (serverCpuMs / s.received) * 1000;
    const notes: string[] = [];
    if (fleet.connected < t.clients)
      notes.push(`${t.clients - fleet.connected} of ${t.clients} clients failed to join (${fleet.firstError})`);
    if (s.received < fleet.connected * perClient) notes.push(`${fleet.connected * perClient - s.received} deliveries missing`);
    return {
      name: t.name,
      status: "ok",
      note: notes.join("; ") || undefined,
      figures,
      latency: h,
      details: {
        connected: fleet.connected,
        connectMs: fleet.connectMs,
        expected: t.clients * perClient,
        received: s.received,
        perClientMin: s.perClientMin,
        perClientMax: s.perClientMax,
        closedDuringRun: s.closedDuringRun,
        sendMs: sendEndMs - sendStartMs,
        deliverMs: s.lastRecvMs - sendStartMs,
        serverCpuMs,
        serverRssMiB: after ? after.rssBytes / 2 ** 20 : undefined,
        clientCpuMs: s.clientCpuMs,
        clientReasons: s.reasons,
        boxBusyShare: box.busyShare,
        foreignCpuShare: box.foreignShare,
      },
    };
  } finally {
    await fleet.stop();
  }
}

export interface ChurnTarget {
  url: string;
  jwtSecret: string;
  serverPid: number;
  roomId: string;
  /** Subscribers that do not ask for presence events. */
  quietSubscribers: number;
  /** Subscribers that ask for presence events (each join and leave is pushed to them). */
  watchers: number;
  churnConnections: number;
  seconds: number;
  sourceAddresses: number;
}

interface ChurnDone {
  joins: number;
  leaves: number;
  errorCodes: Record<string, number>;
  firstError?: string;
  startMs: number;
  endMs: number;
  closedDuringRun: number;
  cpuMs: number;
  joinHist: HistogramJson;
  leaveHist: HistogramJson;
}

/**
 * The room holds quietSubscribers + watchers subscriptions (the quiet ones
 * join first, so the watchers' own ramp-up pushes stay W²/2); then a churn
 * process (bench/load/room-churn.ts) joins and leaves in a closed loop on
 * churnConnections sessions of distinct users for `seconds`.
 */
export async function measureChurn(t: ChurnTarget): Promise<SystemResult> {
  const name = "Herald";
  // A join in a presence room waits for its presence change, which Herald serialises per room: give the
  // ramp-up time, and fewer joins at once (200 at once overflow Herald's database read queue: `unavailable`).
  const common = {
    connectConcurrency: 50,
    adapter: "room" as const,
    url: t.url,
    procs: 1,
    expectPerClient: 0,
    jwtSecret: t.jwtSecret,
    connectTimeoutMs: 120_000,
    readyTimeoutMs: Math.max(180_000, (t.quietSubscribers + t.watchers) * 50),
  };
  const addresses = loopbackAddresses(t.sourceAddresses);
  const fleets: Fleet[] = [];
  const churn = spawnTs("bench/load/room-churn.ts", {
    name: "churn",
    args: ["--url", t.url, "--room", t.roomId, "--clients", String(t.churnConnections), "--local-addresses", addresses.join(",")],
    env: { BENCH_JWT_SECRET: t.jwtSecret },
  });
  try {
    if (t.quietSubscribers > 0)
      fleets.push(
        await Fleet.start({
          ...common,
          clients: t.quietSubscribers,
          room: { roomId: t.roomId, presence: false },
          localAddresses: addresses,
          label: "subscribers",
        }),
      );
    const watch = await Fleet.start({
      ...common,
      clients: t.watchers,
      userPrefix: "w",
      room: { roomId: t.roomId, presence: true },
      localAddresses: addresses,
      label: "watchers",
    });
    fleets.push(watch);
    const ready = await waitReady<{ connected: number; firstError?: string }>(churn, 90_000);
    if (ready.connected === 0) return { name, status: "failed", note: `no churn session opened: ${ready.firstError}`, figures: {} };
    // Let the presence pushes of the watchers' own joins drain, then count from zero.
    await sleep(1_000);
    await watch.nextPhase(0);
    const before = procUsage(t.serverPid);
    const meter = new BoxMeter();
    churn.send(`go ${t.seconds}`);
    const done = await churn.waitForJson<ChurnDone>("done", t.seconds * 1000 + 60_000);
    await sleep(300); // the last presence pushes in flight
    const seen = await watch.results(1);
    const after = procUsage(t.serverPid);
    const serverCpuMs = before && after ? after.cpuMs - before.cpuMs : undefined;
    const box = meter.stop((serverCpuMs ?? 0) + done.cpuMs + seen.clientCpuMs);
    const spanMs = done.endMs - done.startMs;
    const ops = done.joins + done.leaves;
    const join = Histogram.fromJSON(done.joinHist).summary();
    const leave = Histogram.fromJSON(done.leaveHist).summary();
    const errors = Object.values(done.errorCodes).reduce((a, b) => a + b, 0);
    const figures: Record<string, number> = {
      opsPerSec: ops / (spanMs / 1000),
      joinP50: join.p50,
      joinP99: join.p99,
      leaveP50: leave.p50,
      leaveP99: leave.p99,
      presencePerSec: seen.presenceReceived / (spanMs / 1000),
      presenceShare: ops > 0 ? (seen.presenceReceived / (watch.connected * ops)) * 100 : Number.NaN,
      errors,
    };
    if (serverCpuMs !== undefined) figures.serverCpuPct = (serverCpuMs / spanMs) * 100;
    const subscribers = fleets.reduce((n, f) => n + f.connected, 0);
    const notes: string[] = [];
    if (errors > 0) notes.push(`${errors} error replies (${JSON.stringify(done.errorCodes)}; first: ${done.firstError})`);
    if (subscribers < t.quietSubscribers + t.watchers)
      notes.push(
        `${t.quietSubscribers + t.watchers - subscribers} subscribers failed to join (${fleets.map((f) => f.firstError).find(Boolean)})`,
      );
    return {
      name,
      status: "ok",
      note: notes.join("; ") || undefined,
      figures,
      chart: [
        { name: "Herald churn: join reply", summary: join },
        { name: "Herald churn: leave reply", summary: leave },
      ],
      details: {
        subscribers,
        watchers: watch.connected,
        churnConnections: ready.connected,
        joins: done.joins,
        leaves: done.leaves,
        spanMs,
        presenceReceived: seen.presenceReceived,
        closedDuringRun: done.closedDuringRun,
        serverCpuMs,
        churnCpuMs: done.cpuMs,
        watchersCpuMs: seen.clientCpuMs,
        boxBusyShare: box.busyShare,
        foreignCpuShare: box.foreignShare,
        joinLatency: join,
        leaveLatency: leave,
      },
    };
  } finally {
    churn.send("stop");
    await churn.stop(3_000);
    for (const f of fleets) await f.stop();
  }
}
