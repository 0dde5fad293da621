/**
 * Presence churn generator, run as its own process:
 *
 *   node --import tsx bench/load/room-churn.ts --url 'ws://127.0.0.1:PORT/ws?token={token}' \
 *        --room R --clients 100 [--user-prefix churn] [--local-addresses 127.0.0.1,...]
 *
 * Opens --clients Herald sessions (users `<prefix><first-user + k>`, JWT from
 * --jwt-secret or BENCH_JWT_SECRET) and prints `{"type":"ready",...}` once all
 * are up (the gateway's `authenticate` frame) or failed. On stdin `go S` every
 * connection, closed loop, joins room R (`{"id":n,"join":{"roomId":R}}`), waits
 * for the reply, leaves (`{"id":n+1,"leave":{"subscriptionId":...}}`), waits
 * for that reply, and starts over, for S seconds (a cycle under way at the end
 * is finished, so nobody is left in the room). Then one `{"type":"done",...}`
 * line: joins and leaves completed, error replies by code, the span from `go`
 * to the last reply, join and leave reply latency histograms, own CPU. `stop`
 * (or the end of stdin under the harness) closes everything and exits.
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { nowMs } from "../lib/clock.js";
import { Histogram } from "../lib/histogram.js";
import { mintToken } from "./adapters.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    room: { type: "string" },
    clients: { type: "string", default: "100" },
    "first-user": { type: "string", default: "0" },
    "user-prefix": { type: "string", default: "churn" },
    "local-addresses": { type: "string", default: "" },
    "connect-concurrency": { type: "string", default: "100" },
    "connect-timeout-ms": { type: "string", default: "30000" },
    "max-run-ms": { type: "string", default: "600000" },
    name: { type: "string", default: "churn" },
  },
});
if (!values.url || !values.room) throw new Error("--url and --room are required");
const url = values.url;
const roomId = values.room;
const clients = Number(values.clients);
const firstUser = Number(values["first-user"]);
const localAddresses = values["local-addresses"].split(",").filter(Boolean);
const connectTimeoutMs = Number(values["connect-timeout-ms"]);
const secret = process.env.BENCH_JWT_SECRET ?? "";
if (url.includes("{token}") && secret === "") throw new Error("{token} in --url needs BENCH_JWT_SECRET");

const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...o, name: values.name })}\n`);

type Reply = { id?: number; join?: { subscriptionId?: string }; leave?: object; error?: { code?: string; message?: string } };

/** One session with at most one request outstanding. */
class Churner {
  readonly ws: WebSocket;
  #nextId = 1;
  #pending: { id: number; resolve: (r: Reply) => void } | undefined;
  closed = false;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data: Buffer) => {
      let msg: Reply;
      try {
        msg = JSON.parse(data.toString("utf8")) as Reply;
      } catch {
        return;
      }
      const p = this.#pending;
      if (p && msg.id === p.id) {
        this.#pending = undefined;
        p.resolve(msg);
      }
    });
    ws.on("close", () => {
      this.closed = true;
      this.#pending?.resolve({ error: { code: "closed", message: "connection closed" } });
      this.#pending = undefined;
    });
  }

  request(op: "join" | "leave", body: object): Promise<Reply> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending = { id, resolve };
      this.ws.send(JSON.stringify({ id, [op]: body }));
    });
  }
}

function open(userId: string, token: string, localAddress: string | undefined): Promise<Churner> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replaceAll("{user}", encodeURIComponent(userId)).replaceAll("{token}", token), {
      perMessageDeflate: false,
      handshakeTimeout: connectTimeoutMs,
      ...(localAddress ? { localAddress } : {}),
    });
    const timer = setTimeout(() => fail(new Error(`no session within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const onSetup = (data: Buffer) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
      } catch {
        return;
      }
      if ("error" in msg) fail(new Error(`gateway error frame: ${JSON.stringify(msg.error)}`));
      else if ("authenticate" in msg) {
        clearTimeout(timer);
        ws.off("message", onSetup);
        ws.off("error", fail);
        ws.off("close", onClose);
        ws.on("error", () => undefined);
        resolve(new Churner(ws));
      }
    };
    const onClose = (code: number) => fail(new Error(`closed before the session opened (${code})`));
    ws.on("message", onSetup);
    ws.on("error", fail);
    ws.once("close", onClose);
  });
}

const churners: Churner[] = [];
const joinHist = new Histogram();
const leaveHist = new Histogram();
const errorCodes: Record<string, number> = {};
let firstError: string | undefined;
let joins = 0;
let leaves = 0;

function noteError(r: Reply): void {
  const code = r.error?.code ?? "unknown";
  errorCodes[code] = (errorCodes[code] ?? 0) + 1;
  firstError ??= `${code}: ${r.error?.message ?? ""}`;
}

/** Join and leave until `untilMs`; an error reply is counted and the cycle starts over. */
async function churn(c: Churner, untilMs: number): Promise<void> {
  while (!c.closed && nowMs() < untilMs) {
    const t0 = nowMs();
    const j = await c.request("join", { roomId });
    const sub = j.join?.subscriptionId;
    if (sub === undefined) {
      noteError(j);
      continue;
    }
    const t1 = nowMs();
    joinHist.record(t1 - t0);
    joins++;
    const l = await c.request("leave", { subscriptionId: sub });
    if (l.leave === undefined) {
      noteError(l);
      continue;
    }
    leaveHist.record(nowMs() - t1);
    leaves++;
  }
}

async function go(seconds: number): Promise<void> {
  const cpu0 = process.cpuUsage();
  const startMs = nowMs();
  await Promise.all(churners.map((c) => churn(c, startMs + seconds * 1000)));
  const endMs = nowMs();
  const cpu = process.cpuUsage(cpu0);
  out({
    type: "done",
    connections: churners.length,
    joins,
    leaves,
    errorCodes,
    firstError,
    startMs,
    endMs,
    closedDuringRun: churners.filter((c) => c.closed).length,
    cpuMs: (cpu.user + cpu.system) / 1000,
    joinHist: joinHist.toJSON(),
    leaveHist: leaveHist.toJSON(),
  });
}

function stop(): void {
  for (const c of churners) c.ws.terminate();
  setTimeout(() => process.exit(0), 100).unref();
}

async function main(): Promise<void> {
  const started = nowMs();
  setTimeout(stop, Number(values["max-run-ms"])).unref();
  createInterface({ input: process.stdin }).on("line", (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === "go") void go(Number(arg));
    else if (cmd === "stop") stop();
  });
  if (process.env.BENCH_HARNESS === "1") process.stdin.on("end", stop);
  let failed = 0;
  let connectError: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < clients) {
      const k = next++;
      const user = `${values["user-prefix"]}${firstUser + k}`;
      try {
        const token = url.includes("{token}") ? await mintToken(secret, user) : "";
        churners.push(await open(user, token, localAddresses.length ? localAddresses[k % localAddresses.length] : undefined));
      } catch (err) {
        failed++;
        connectError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Number(values["connect-concurrency"]), clients) }, worker));
  out({ type: "ready", connected: churners.length, failed, firstError: connectError, connectMs: Math.round(nowMs() - started) });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
