import http from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { nowMs, sleep } from "../lib/clock.js";
import { paced } from "../lib/pace.js";

/**
 * What the baselines push: the same envelope Herald's gateway pushes, so frame
 * sizes match. `t` is stamped when the message is handed to the sockets.
 */
export function envelope(i: number, t: number): object {
  return {
    notification: {
      id: `00000000-0000-4000-8000-${String(Math.abs(i)).padStart(12, "0")}`,
      userId: "",
      seq: "0",
      code: 1,
      subject: "",
      content: { t, i },
      persistent: false,
      createTime: new Date().toISOString(),
    },
  };
}

/**
 * The room benchmark's raw push: the same members and sizes as Herald's
 * `roomEvent` push of a backend's ephemeral message to an unfiltered
 * subscription (subscription id, room, kind, message id, times, scope), so
 * clients parse as many bytes from both. `t` as in `envelope`.
 */
export function roomEnvelope(i: number, t: number): object {
  const time = new Date().toISOString();
  return {
    roomEvent: {
      subscriptionId: "bENCHbENCHbENCHbENCH00",
      event: {
        roomId: "bench:room",
        kind: "ROOM_EVENT_KIND_MESSAGE",
        message: {
          messageId: `01000000-0000-7000-8000-${String(Math.abs(i)).padStart(12, "0")}`,
          roomId: "bench:room",
          content: { t, i },
          createTime: time,
          updateTime: time,
        },
        time,
      },
      scope: "SCOPE_IN",
    },
  };
}

/**
 * Seed 001's (MinChat's) `message` event data, as Herald's Socket.IO endpoint
 * emits it for a backend's ephemeral room message (the same members and
 * sizes): the stock Socket.IO server's push in the room benchmark over
 * Socket.IO. `t` as in `envelope`.
 */
export function minChatMessage(i: number, t: number): object {
  const time = new Date().toISOString();
  return {
    id: `01000000-0000-7000-8000-${String(Math.abs(i)).padStart(12, "0")}`,
    channelId: "bench:room",
    userId: null,
    text: null,
    content: { t, i },
    tags: {},
    seq: null,
    createdAt: time,
    updatedAt: time,
  };
}

export interface BroadcastRequest {
  /** Messages to send, each to every client. */
  count: number;
  /** Messages per second; 0 = as fast as possible (one per event-loop turn). */
  rate?: number;
  /** Warm-up messages (i < 0) sent first, not measured. */
  warmup?: number;
}

export interface BroadcastResult {
  sent: number;
  sendStartMs: number;
  sendEndMs: number;
}

/**
 * Targeted sends (scenarios 3 and 4): `count` calls, each of `batch` messages
 * to distinct users taken round-robin from the recipient list, `rate` calls per
 * second; message g of the run goes to user g mod users, as Herald's sender does.
 */
export interface TargetedRequest {
  /** Explicit recipients; else `${userPrefix}${n}` for n < users. */
  userIds?: string[];
  userPrefix?: string;
  users?: number;
  batch: number;
  /** Calls per second; 0 = as fast as possible (one call per event-loop turn). */
  rate: number;
  count: number;
  /** Warm-up calls (i < 0) sent first at the same rate, not measured. */
  warmup?: number;
}

export interface TargetedResult {
  sent: number;
  /** Messages whose user had no open connection. */
  noConnection: number;
  sendStartMs: number;
  sendEndMs: number;
}

/**
 * Control channel of a baseline server, on its own loopback port:
 *   GET  /stats      -> { connections, rssBytes, heapUsedBytes }
 *   GET  /eld        -> event-loop delay since the last read {p50, p99, max} in seconds
 *                       (monitorEventLoopDelay at 10 ms resolution, as prom-client reports Herald's), then reset
 *   POST /broadcast  {count, rate, warmup} -> BroadcastResult once all are handed to the sockets
 *   POST /publish    {i, t, persist?} -> {} once message i, stamped t by its publisher, is handed to every
 *                    socket (a backend publishing to the server, as Herald's benchmarks do over gRPC); with
 *                    `persist`, first stored by the server's `persistOne` (one INSERT), as a home-grown server would
 *   POST /targeted   TargetedRequest -> TargetedResult (servers that know their clients' users)
 */
export async function startControl(options: {
  connections: () => number;
  /** Send message i, stamped `t` (default: now), to every client. */
  broadcastOne: (i: number, t?: number) => void;
  /** Send one pre-serialised frame to the user's connections; false if it has none. */
  sendToUser?: (userId: string, frame: Buffer) => boolean;
  /** Store message i before it is sent (POST /publish with `persist`). */
  persistOne?: (i: number, t: number) => Promise<void>;
}): Promise<number> {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const targetedRun = async (body: TargetedRequest, warm: boolean): Promise<TargetedResult> => {
    const send = options.sendToUser!;
    const ids = body.userIds ?? Array.from({ length: body.users ?? 0 }, (_, n) => `${body.userPrefix ?? "u"}${n}`);
    if (ids.length === 0) throw new Error("no recipients");
    let noConnection = 0;
    const calls = warm ? (body.warmup ?? 0) : body.count;
    const { startMs, endMs } = await paced(calls, body.rate, (k) => {
      const t = nowMs();
      for (let j = 0; j < body.batch; j++) {
        const g = k * body.batch + j;
        const frame = Buffer.from(JSON.stringify(envelope(warm ? -1 - g : g, t)));
        if (!send(ids[g % ids.length]!, frame)) noConnection++;
      }
    });
    return { sent: calls * body.batch, noConnection, sendStartMs: startMs, sendEndMs: endMs };
  };
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/stats") {
      const m = process.memoryUsage();
      reply(200, { connections: options.connections(), rssBytes: m.rss, heapUsedBytes: m.heapUsed });
      return;
    }
    if (req.method === "GET" && req.url === "/eld") {
      reply(200, { p50: eld.percentile(50) / 1e9, p99: eld.percentile(99) / 1e9, max: eld.max / 1e9 });
      eld.reset();
      return;
    }
    if (req.method === "POST" && req.url === "/targeted" && options.sendToUser) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as TargetedRequest;
        void (async () => {
          if ((body.warmup ?? 0) > 0) {
            await targetedRun(body, true);
            await sleep(300);
          }
          reply(200, await targetedRun(body, false));
        })().catch((err: unknown) => reply(500, { error: String(err) }));
      });
      return;
    }
    if (req.method === "POST" && req.url === "/broadcast") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as BroadcastRequest;
        void (async () => {
          const warmup = body.warmup ?? 0;
          if (warmup > 0) {
            await paced(warmup, 0, (k) => options.broadcastOne(-1 - k));
            await sleep(300);
          }
          const { startMs, endMs } = await paced(body.count, body.rate ?? 0, (k) => options.broadcastOne(k));
          reply(200, { sent: body.count, sendStartMs: startMs, sendEndMs: endMs } satisfies BroadcastResult);
        })().catch((err: unknown) => reply(500, { error: String(err) }));
      });
      return;
    }
    if (req.method === "POST" && req.url === "/publish") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { i: number; t: number; persist?: boolean };
        const stored = body.persist && options.persistOne ? options.persistOne(body.i, body.t) : Promise.resolve();
        stored
          .then(() => {
            options.broadcastOne(body.i, body.t);
            reply(200, {});
          })
          .catch((err: unknown) => reply(500, { error: String(err) }));
      });
      return;
    }
    reply(404, { error: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

export function portArg(): number {
  const i = process.argv.indexOf("--port");
  return i >= 0 ? Number(process.argv[i + 1]) : 0;
}

export function ready(port: number, controlPort: number): void {
  process.stdout.write(`${JSON.stringify({ type: "ready", port, controlPort, pid: process.pid, t: nowMs() })}\n`);
  process.once("SIGTERM", () => process.exit(0));
}
