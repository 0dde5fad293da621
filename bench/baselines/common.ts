import http from "node:http";
import type { AddressInfo } from "node:net";
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
 * Control channel of a baseline server, on its own loopback port:
 *   GET  /stats      -> { connections, rssBytes, heapUsedBytes }
 *   POST /broadcast  {count, rate, warmup} -> BroadcastResult once all are handed to the sockets
 */
export async function startControl(options: {
  connections: () => number;
  /** Send message i, stamped now, to every client. */
  broadcastOne: (i: number) => void;
}): Promise<number> {
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
