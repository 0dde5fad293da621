/**
 * Load generator, run as its own process (never inside the server's):
 *
 *   node --import tsx bench/load/ws-clients.ts --adapter raw --url ws://127.0.0.1:PORT/ \
 *        --clients 1000 --expect 200 [--first-user 0] [--local-addresses 127.0.0.1,127.0.0.2]
 *
 * Opens --clients connections (users `<prefix><first-user + k>`), spreading them
 * over the given loopback source addresses, prints `{"type":"ready",...}` once
 * all have connected (or failed), then records for every received notification
 * latency = receive time - `content.t` on the shared monotonic bench clock.
 * Messages with `content.i < 0` are warm-up: counted apart, not in the stats.
 * Prints one `{"type":"done","phase":n,...}` JSON line (merged by the scenario)
 * when each client has received --expect messages, on `stop` from stdin, or at
 * --max-run-ms, and exits. With --stay, it stays connected after a completed
 * phase instead: stdin `expect N` starts the next phase (stats reset, N more
 * messages per client; acknowledged with `{"type":"phase",...}`), `stop` ends.
 *
 * URL placeholders: `{user}` (user id) and `{token}` (HS256 JWT, sub = user id,
 * signed with --jwt-secret or BENCH_JWT_SECRET), e.g. Herald's
 * `ws://127.0.0.1:PORT/ws?token={token}`.
 *
 * `--adapter room --room R [--room-presence]`: every client joins room R once
 * its session is open (asking for presence events with --room-presence) and
 * counts as connected on the join reply; `roomEvent` pushes are read like
 * notifications, and `presenceEvent` pushes are counted (`presenceReceived`).
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { nowMs } from "../lib/clock.js";
import { Histogram } from "../lib/histogram.js";
import { ADAPTERS, connect, mintToken, type AdapterName, type Connection, type Stamp } from "./adapters.js";

const { values } = parseArgs({
  options: {
    adapter: { type: "string", default: "raw" },
    url: { type: "string" },
    clients: { type: "string", default: "1000" },
    "first-user": { type: "string", default: "0" },
    "user-prefix": { type: "string", default: "u" },
    "local-addresses": { type: "string", default: "" },
    expect: { type: "string", default: "0" },
    "jwt-secret": { type: "string" },
    "connect-concurrency": { type: "string", default: "200" },
    "connect-timeout-ms": { type: "string", default: "30000" },
    "max-run-ms": { type: "string", default: "600000" },
    name: { type: "string", default: "clients" },
    stay: { type: "boolean", default: false },
    room: { type: "string" },
    "room-presence": { type: "boolean", default: false },
    "room-filter-groups": { type: "string", default: "0" },
  },
});

const adapter = values.adapter as AdapterName;
if (!ADAPTERS.includes(adapter)) throw new Error(`--adapter must be one of ${ADAPTERS.join(", ")}`);
if (!values.url) throw new Error("--url is required");
const url = values.url;
const clients = Number(values.clients);
const firstUser = Number(values["first-user"]);
const expectPerClient = Number(values.expect);
const localAddresses = values["local-addresses"]
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const concurrency = Number(values["connect-concurrency"]);
const connectTimeoutMs = Number(values["connect-timeout-ms"]);
const maxRunMs = Number(values["max-run-ms"]);
const secret = values["jwt-secret"] ?? process.env.BENCH_JWT_SECRET ?? "";
if (url.includes("{token}") && secret === "") throw new Error("{token} in --url needs --jwt-secret or BENCH_JWT_SECRET");
if (adapter === "room" && !values.room) throw new Error("--adapter room needs --room");
const room = values.room
  ? { roomId: values.room, presence: values["room-presence"], filterGroups: Number(values["room-filter-groups"]) }
  : undefined;

const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...o, name: values.name })}\n`);

let hist = new Histogram();
let perClient = new Uint32Array(clients);
const conns: (Connection | undefined)[] = new Array(clients);
let phase = 0;
let received = 0;
let warmupReceived = 0;
let presenceReceived = 0;
let firstRecv = Number.NaN;
let lastRecv = Number.NaN;
let closedDuringRun = 0;
let connected = 0;
let failed = 0;
let firstError: string | undefined;
let expectedTotal = Number.POSITIVE_INFINITY;
let exiting = false;
let cpuAtPhase = process.cpuUsage();

function onStamps(k: number, recv: number, stamps: Stamp[]): void {
  for (const s of stamps) {
    if (s.i < 0) {
      warmupReceived++;
      continue;
    }
    hist.record(recv - s.t);
    perClient[k]!++;
    received++;
    if (received === 1) firstRecv = recv;
    lastRecv = recv;
  }
  if (received >= expectedTotal) phaseDone("complete");
}

function startPhase(expectPerClientNow: number): void {
  hist = new Histogram();
  perClient = new Uint32Array(clients);
  received = 0;
  warmupReceived = 0;
  presenceReceived = 0;
  firstRecv = Number.NaN;
  lastRecv = Number.NaN;
  expectedTotal = expectPerClientNow > 0 ? connected * expectPerClientNow : Number.POSITIVE_INFINITY;
  cpuAtPhase = process.cpuUsage();
}

function phaseDone(reason: "complete" | "stop" | "timeout"): void {
  if (exiting) return;
  const cpu = process.cpuUsage(cpuAtPhase);
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let k = 0; k < clients; k++) {
    if (!conns[k]) continue;
    min = Math.min(min, perClient[k]!);
    max = Math.max(max, perClient[k]!);
  }
  out({
    type: "done",
    phase,
    reason,
    clients,
    connected,
    received,
    warmupReceived,
    presenceReceived,
    expected: Number.isFinite(expectedTotal) ? expectedTotal : null,
    perClientMin: connected ? min : 0,
    perClientMax: max,
    closedDuringRun,
    firstRecvMs: firstRecv,
    lastRecvMs: lastRecv,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBytes: process.memoryUsage().rss,
    hist: hist.toJSON(),
  });
  expectedTotal = Number.POSITIVE_INFINITY;
  if (reason !== "complete" || !values.stay) {
    exiting = true;
    for (const c of conns) c?.close();
    // Let the line flush, then go; sockets are already terminated.
    setTimeout(() => process.exit(0), 100).unref();
  }
}

async function main(): Promise<void> {
  const started = nowMs();
  const hardStop = setTimeout(() => phaseDone("timeout"), maxRunMs);
  hardStop.unref();
  createInterface({ input: process.stdin }).on("line", (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === "stop") phaseDone("stop");
    else if (cmd === "expect") {
      phase++;
      startPhase(Number(arg));
      out({ type: "phase", phase, expected: expectedTotal });
    }
  });
  // Under the harness stdin is a pipe from the scenario: its end means the scenario is gone.
  if (process.env.BENCH_HARNESS === "1") process.stdin.on("end", () => phaseDone("stop"));

  const users = Array.from({ length: clients }, (_, k) => `${values["user-prefix"]}${firstUser + k}`);
  const tokens = url.includes("{token}") ? await Promise.all(users.map((u) => mintToken(secret, u))) : undefined;

  let next = 0;
  const worker = async () => {
    while (next < clients) {
      const k = next++;
      const userId = users[k]!;
      const spec = {
        index: k,
        userId,
        url: url.replaceAll("{user}", encodeURIComponent(userId)).replaceAll("{token}", tokens?.[k] ?? ""),
        localAddress: localAddresses.length ? localAddresses[k % localAddresses.length] : undefined,
        connectTimeoutMs,
        room,
      };
      try {
        conns[k] = await connect(
          adapter,
          spec,
          {
            onStamps: (recv, s) => onStamps(k, recv, s),
            onClose: () => closedDuringRun++,
            onPresence: () => presenceReceived++,
          },
          nowMs,
        );
        connected++;
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message || err.name : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, clients) }, worker));
  startPhase(expectPerClient);
  out({ type: "ready", connected, failed, firstError, connectMs: Math.round(nowMs() - started) });
  if (connected === 0 && failed > 0) phaseDone("stop");
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
