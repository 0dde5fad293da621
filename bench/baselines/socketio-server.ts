/**
 * Baseline 2: Socket.IO 4, websocket transport only (no long-polling, no
 * compression). Every client joins one room; a broadcast is one
 * `io.to(room).emit("notification", payload)` (Socket.IO encodes the packet
 * once per broadcast). Same payload as the raw ws baseline. Control: ./common.ts.
 *
 *   node --import tsx bench/baselines/socketio-server.ts [--port N]  -> {"type":"ready","port":..,"controlPort":..}
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { nowMs } from "../lib/clock.js";
import { envelope, portArg, ready, startControl } from "./common.js";

const ROOM = "all";
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
  broadcastOne(i) {
    io.to(ROOM).emit("notification", envelope(i, nowMs()));
  },
});
await new Promise<void>((resolve) => server.listen({ port: portArg(), host: "127.0.0.1", backlog: 4096 }, resolve));
ready((server.address() as AddressInfo).port, controlPort);
