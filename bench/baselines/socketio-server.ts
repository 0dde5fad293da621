/**
 * Baseline 2: Socket.IO 4, websocket transport only (no long-polling, no
 * compression). Every client joins one room; a broadcast is one
 * `io.to(room).emit("notification", payload)` (Socket.IO encodes the packet
 * once per broadcast). Same payload as the raw ws baseline; with `--room-shape`
 * the event is MinChat's `message` with the data Herald's Socket.IO endpoint
 * emits for a room message (the room benchmark over Socket.IO). With
 * `--per-user` a broadcast is what a home-grown notification server does: one
 * `socket.emit("notification", payload, ack)` per socket, each payload the
 * user's own (its user id), encoded per socket with an acknowledgement id, as
 * Herald's Socket.IO endpoint sends per-user notifications. Control: ./common.ts.
 *
 *   node --import tsx bench/baselines/socketio-server.ts [--port N]  -> {"type":"ready","port":..,"controlPort":..}
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { nowMs } from "../lib/clock.js";
import { envelope, minChatMessage, portArg, ready, startControl } from "./common.js";

const ROOM = "all";
const [event, payload] = process.argv.includes("--room-shape") ? ["message", minChatMessage] : ["notification", envelope];
const perUser = process.argv.includes("--per-user");
const noAck = () => {};
const server = http.createServer();
const io = new Server(server, {
  transports: ["websocket"],
  serveClient: false,
  perMessageDeflate: false,
  httpCompression: false,
});
io.on("connection", (socket) => {
  void socket.join(ROOM);
});

const controlPort = await startControl({
  connections: () => io.sockets.adapter.rooms.get(ROOM)?.size ?? 0,
  broadcastOne(i, t) {
    if (!perUser) {
      io.to(ROOM).emit(event, payload(i, t ?? nowMs()));
      return;
    }
    const stamp = t ?? nowMs();
    for (const socket of io.of("/").sockets.values()) {
      const e = envelope(i, stamp) as { notification: Record<string, unknown> };
      e.notification.userId = socket.id;
      socket.emit("notification", e, noAck);
    }
  },
});
await new Promise<void>((resolve) => server.listen({ port: portArg(), host: "127.0.0.1", backlog: 4096 }, resolve));
ready((server.address() as AddressInfo).port, controlPort);
