/**
 * Baseline 1: the minimal `ws` server. A broadcast JSON-encodes the message
 * once and hands the same pre-encoded Buffer to every client (no per-client
 * encoding, no compression). Clients that connect with `?user=<id>` can also be
 * sent to one by one (POST /targeted): each message is encoded once and written
 * to that user's sockets. Control: see ./common.ts.
 *
 *   node --import tsx bench/baselines/raw-ws-server.ts [--port N]   -> {"type":"ready","port":..,"controlPort":..}
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { WebSocketServer, type WebSocket } from "ws";
import { nowMs } from "../lib/clock.js";
import { envelope, portArg, ready, roomEnvelope, startControl } from "./common.js";

/** `--room-shape`: push frames shaped like Herald's room events (the room benchmark), else like its notifications. */
const shape = process.argv.includes("--room-shape") ? roomEnvelope : envelope;

const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 });
const clients = new Set<WebSocket>();
const byUser = new Map<string, Set<WebSocket>>();
wss.on("connection", (ws, req) => {
  clients.add(ws);
  const q = (req.url ?? "").indexOf("?");
  const user = q >= 0 ? new URLSearchParams(req.url!.slice(q + 1)).get("user") : null;
  let gone = false;
  const drop = () => {
    if (gone) return;
    gone = true;
    clients.delete(ws);
    if (user === null) return;
    const set = byUser.get(user);
    set?.delete(ws);
    if (set?.size === 0) byUser.delete(user);
  };
  if (user !== null) {
    let set = byUser.get(user);
    if (!set) byUser.set(user, (set = new Set()));
    set.add(ws);
  }
  ws.on("close", drop);
  ws.on("error", drop);
});

/**
 * `--pg <url>`: POST /publish with `persist` stores each message first, one
 * INSERT (autocommit) into a table of its own: the raw ws + pg baseline of
 * persistent messages.
 */
const pgAt = process.argv.indexOf("--pg");
const pool = pgAt >= 0 ? new pg.Pool({ connectionString: process.argv[pgAt + 1], max: 4 }) : undefined;
await pool?.query(
  "create table if not exists raw_messages (id bigserial primary key, content jsonb not null, created_at timestamptz not null default now())",
);

const sendOpts = { binary: false, compress: false } as const;
const controlPort = await startControl({
  connections: () => clients.size,
  broadcastOne(i, t = nowMs()) {
    const frame = Buffer.from(JSON.stringify(shape(i, t)));
    for (const ws of clients) ws.send(frame, sendOpts);
  },
  persistOne: pool
    ? async (i, t) => {
        await pool.query("insert into raw_messages (content) values ($1) returning id", [JSON.stringify({ t, i })]);
      }
    : undefined,
  sendToUser(user, frame) {
    const set = byUser.get(user);
    if (!set) return false;
    for (const ws of set) ws.send(frame, sendOpts);
    return true;
  },
});
await new Promise<void>((resolve) => server.listen({ port: portArg(), host: "127.0.0.1", backlog: 4096 }, resolve));
ready((server.address() as AddressInfo).port, controlPort);
