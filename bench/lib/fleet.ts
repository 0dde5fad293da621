import { Histogram, type HistogramJson } from "./histogram.js";
import { spawnTs, type Child } from "./proc.js";
import type { AdapterName } from "../load/adapters.js";

/** Starts and reads the load-generator processes (bench/load/ws-clients.ts). */
export interface FleetOptions {
  adapter: AdapterName;
  /** URL template: `{user}`, `{token}` are filled per client. */
  url: string;
  clients: number;
  /** Load-generator processes; clients are split evenly. 1 fits a 2-core box (1 server + 1 client). */
  procs: number;
  expectPerClient: number;
  /** Loopback source addresses to spread sockets over. */
  localAddresses: string[];
  jwtSecret?: string;
  userPrefix?: string;
  /** Adapter `room`: the room every client joins, and whether it asks for presence events. */
  room?: { roomId: string; presence: boolean; filterGroups?: number };
  /** Keep connections after a completed phase (multi-phase runs). */
  stay?: boolean;
  connectTimeoutMs?: number;
  maxRunMs?: number;
  /** How long all clients together may take to connect (default connectTimeoutMs + 60 s). */
  readyTimeoutMs?: number;
  /** Connects in progress at once per process (ws-clients default 200). */
  connectConcurrency?: number;
  /** Raise the load generators' open-files limit (see SpawnOptions.ulimitNofile). */
  ulimitNofile?: number;
  /** Heap limit of each load generator, MiB (default 4096). */
  maxOldSpaceMiB?: number;
  label: string;
}

interface DoneLine {
  type: "done";
  phase: number;
  reason: string;
  connected: number;
  received: number;
  warmupReceived: number;
  presenceReceived?: number;
  expected: number | null;
  perClientMin: number;
  perClientMax: number;
  closedDuringRun: number;
  firstRecvMs: number | null;
  lastRecvMs: number | null;
  cpuMs: number;
  rssBytes: number;
  hist: HistogramJson;
}

export interface FleetSummary {
  connected: number;
  received: number;
  expected: number;
  warmupReceived: number;
  /** Room `presenceEvent` pushes received (adapter `room`). */
  presenceReceived: number;
  perClientMin: number;
  perClientMax: number;
  closedDuringRun: number;
  firstRecvMs: number;
  lastRecvMs: number;
  /** CPU time of all load-generator processes during the phase. */
  clientCpuMs: number;
  reasons: string[];
  hist: Histogram;
}

export class Fleet {
  readonly children: Child[];
  connected = 0;
  failed = 0;
  firstError: string | undefined;
  connectMs = 0;
  #phase = 0;

  private constructor(children: Child[]) {
    this.children = children;
  }

  static async start(o: FleetOptions): Promise<Fleet> {
    const per = Math.ceil(o.clients / o.procs);
    const children: Child[] = [];
    for (let p = 0, first = 0; p < o.procs && first < o.clients; p++, first += per) {
      const n = Math.min(per, o.clients - first);
      const args = [
        "--adapter",
        o.adapter,
        "--url",
        o.url,
        "--clients",
        String(n),
        "--first-user",
        String(first),
        "--user-prefix",
        o.userPrefix ?? "u",
        "--expect",
        String(o.expectPerClient),
        "--local-addresses",
        o.localAddresses.join(","),
        "--connect-timeout-ms",
        String(o.connectTimeoutMs ?? 30_000),
        "--max-run-ms",
        String(o.maxRunMs ?? 300_000),
        "--name",
        `${o.label}#${p}`,
      ];
      if (o.stay) args.push("--stay");
      if (o.room)
        args.push(
          "--room",
          o.room.roomId,
          ...(o.room.presence ? ["--room-presence"] : []),
          ...(o.room.filterGroups ? ["--room-filter-groups", String(o.room.filterGroups)] : []),
        );
      if (o.connectConcurrency !== undefined) args.push("--connect-concurrency", String(o.connectConcurrency));
      children.push(
        spawnTs("bench/load/ws-clients.ts", {
          name: `${o.label}-clients#${p}`,
          args,
          env: o.jwtSecret ? { BENCH_JWT_SECRET: o.jwtSecret } : {},
          // 10k sockets plus their buffers under load: give the heap room.
          nodeFlags: [`--max-old-space-size=${o.maxOldSpaceMiB ?? 4096}`],
          ulimitNofile: o.ulimitNofile,
        }),
      );
    }
    const fleet = new Fleet(children);
    try {
      const readies = await Promise.all(
        children.map((c) =>
          c.waitForJson<{ connected: number; failed: number; firstError?: string; connectMs: number }>(
            "ready",
            o.readyTimeoutMs ?? (o.connectTimeoutMs ?? 30_000) + 60_000,
          ),
        ),
      );
      for (const r of readies) {
        fleet.connected += r.connected;
        fleet.failed += r.failed;
        fleet.firstError ??= r.firstError;
        fleet.connectMs = Math.max(fleet.connectMs, r.connectMs);
      }
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  /** Starts the next phase (needs `stay`): each client now expects `perClient` more messages. */
  async nextPhase(perClient: number): Promise<void> {
    this.#phase++;
    const phase = this.#phase;
    for (const c of this.children) c.send(`expect ${perClient}`);
    await Promise.all(
      this.children.map((c) =>
        c.waitForLine((l) => l.includes('"type":"phase"') && (JSON.parse(l) as { phase: number }).phase === phase, 10_000, "phase ack"),
      ),
    );
  }

  /** Waits up to timeoutMs for every process to report the current phase, then asks stragglers to stop. */
  async results(timeoutMs: number): Promise<FleetSummary> {
    const phase = this.#phase;
    const isDone = (l: string) => l.includes('"type":"done"') && (JSON.parse(l) as DoneLine).phase === phase;
    const lines = await Promise.all(
      this.children.map(async (c) => {
        try {
          return await c.waitForLine(isDone, timeoutMs, "done line");
        } catch {
          c.send("stop");
          return c.waitForLine(isDone, 15_000, "done line after stop");
        }
      }),
    );
    const hist = new Histogram();
    const s: FleetSummary = {
      connected: 0,
      received: 0,
      expected: 0,
      warmupReceived: 0,
      presenceReceived: 0,
      perClientMin: Number.POSITIVE_INFINITY,
      perClientMax: 0,
      closedDuringRun: 0,
      firstRecvMs: Number.POSITIVE_INFINITY,
      lastRecvMs: Number.NEGATIVE_INFINITY,
      clientCpuMs: 0,
      reasons: [],
      hist,
    };
    for (const line of lines) {
      const d = JSON.parse(line) as DoneLine;
      s.connected += d.connected;
      s.received += d.received;
      s.expected += d.expected ?? 0;
      s.warmupReceived += d.warmupReceived;
      s.presenceReceived += d.presenceReceived ?? 0;
      s.perClientMin = Math.min(s.perClientMin, d.perClientMin);
      s.perClientMax = Math.max(s.perClientMax, d.perClientMax);
      s.closedDuringRun += d.closedDuringRun;
      if (d.firstRecvMs !== null) s.firstRecvMs = Math.min(s.firstRecvMs, d.firstRecvMs);
      if (d.lastRecvMs !== null) s.lastRecvMs = Math.max(s.lastRecvMs, d.lastRecvMs);
      s.clientCpuMs += d.cpuMs;
      s.reasons.push(d.reason);
      hist.merge(d.hist);
    }
    return s;
  }

  async stop(): Promise<void> {
    for (const c of this.children) c.send("stop");
    await Promise.all(this.children.map((c) => Promise.race([c.exited, new Promise((r) => setTimeout(r, 3_000))])));
    await Promise.all(this.children.map((c) => c.stop(2_000)));
  }
}
