/**
 * Baseline 1: the minimal `ws` server. A broadcast JSON-encodes the message
 * once and hands the same pre-encoded Buffer to every client (no per-client
 * encoding, no compression). Control: see ./common.ts.
 *
 *   node --import tsx bench/baselines/raw-ws-server.ts [--port N]   -> {"type":"ready","port":..,"controlPort":..}
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { nowMs } from "../lib/clock.js";
import { envelope, portArg, ready, startControl } from "./common.js";

const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 });
const clients = new Set<WebSocket>();
wss.on("connection", (ws) => {
  clients.add(ws);
  ws.on("close", () => clients.delete(ws));
  ws.on("error", () => clients.delete(ws));
});

const sendOpts = { binary: false, compress: false } as const;
const controlPort = await startControl({
  connections: () => clients.size,
  broadcastOne(i) {
    const frame = Buffer.from(JSON.stringify(envelope(i, nowMs())));
    for (const ws of clients) ws.send(frame, sendOpts);
  },
});
await new Promise<void>((resolve) => server.listen({ port: portArg(), host: "127.0.0.1", backlog: 4096 }, resolve));
ready((server.address() as AddressInfo).port, controlPort);
