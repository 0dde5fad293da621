import type { Duplex } from "node:stream";
import type { Socket } from "socket.io";
import type { WriteBatcher } from "../ws/write-batcher.js";
import type { SharedPacket } from "./shared-packets.js";

/** What a direct write needs of Engine.IO's WebSocket transport (untyped internals of engine.io 6 and ws 8). */
interface EngineWebSocket {
  readyState: number;
  _socket?: Duplex;
  _sender?: { sendFrame(list: Buffer[], cb?: (err?: Error) => void): void };
  send(data: string): void;
}

/** What a direct write needs of Engine.IO's socket (`socket.conn`). */
interface EngineConnection {
  readyState: string;
  upgrading: boolean;
  writeBuffer: unknown[];
  transport: { name: string; perMessageDeflate?: unknown; socket?: EngineWebSocket };
}

/** What a write needs of Socket.IO's `Client` (`socket.client`): its Engine.IO socket and its write path. */
interface SocketIoClient {
  conn: EngineConnection;
  writeToEngine(packets: string[], opts: object): void;
}

const WS_OPEN = 1;

/**
 * Writes Socket.IO packets to a socket's connection, straight to its
 * WebSocket when it can, so that the node's `WriteBatcher` coalesces them with
 * the rest of the loop turn's frames for that socket, as the native endpoint's.
 *
 * Engine.IO's own path (`Client.writeToEngine`) sends one packet at a time:
 * each `ws.send` is one write system call, and while one is in flight further
 * packets wait in its write buffer and are then sent one call each. The direct
 * path skips that buffer; it is taken only when it cannot reorder anything:
 * the connection is open on the WebSocket transport (not upgrading, no
 * permessage-deflate) and Engine.IO holds no packet of its own (an empty write
 * buffer: whatever it sent before is in the WebSocket's queue already).
 * Otherwise the packet goes Engine.IO's way, behind the ones it holds.
 *
 * `queued` returns the bytes a packet added to Engine.IO's write buffer (0
 * when written directly), for the slow-consumer bound.
 */
export class EngineWriter {
  readonly #batcher: WriteBatcher;

  constructor(options: { batcher: WriteBatcher }) {
    this.#batcher = options.batcher;
  }

  /**
   * Writes the packets of one Socket.IO event as the server's encoder gave
   * them (one string; binary events give more, and take Engine.IO's path);
   * returns the bytes left queued in Engine.IO.
   */
  writePackets(socket: Socket, packets: unknown[]): number {
    const client = socket.client as unknown as SocketIoClient;
    const packet = packets[0];
    const ws = packets.length === 1 && typeof packet === "string" ? this.#direct(client.conn) : null;
    if (ws === null) return this.#viaEngine(client, packets as string[], {});
    if (!this.#batcher.mayWriteNow()) this.#batcher.hold(ws._socket!);
    ws.send(`4${packet}`);
    return 0;
  }

  /** Writes a packet encoded once for a namespace (`encodeShared`): held with the turn's other frames, as a room push is natively. */
  writeShared(socket: Socket, shared: SharedPacket): number {
    const client = socket.client as unknown as SocketIoClient;
    const frame = shared.opts.wsPreEncodedFrame;
    const ws = frame === undefined ? null : this.#direct(client.conn);
    if (ws === null || ws._sender === undefined) return this.#viaEngine(client, shared.packets, shared.opts);
    this.#batcher.hold(ws._socket!);
    ws._sender.sendFrame(frame!);
    return 0;
  }

  /** The WebSocket to write to directly, or null when Engine.IO must (see the class comment). */
  #direct(conn: EngineConnection): EngineWebSocket | null {
    if (conn.readyState !== "open" || conn.upgrading || conn.writeBuffer.length !== 0) return null;
    const transport = conn.transport;
    if (transport.name !== "websocket" || transport.perMessageDeflate) return null;
    const ws = transport.socket;
    return ws !== undefined && ws.readyState === WS_OPEN && ws._socket !== undefined ? ws : null;
  }

  #viaEngine(client: SocketIoClient, packets: string[], opts: object): number {
    if (client.conn.readyState !== "open") return 0;
    client.writeToEngine(packets, opts);
    // Sent on at once (the transport was writable): counted by the WebSocket's buffer from now on.
    if (client.conn.writeBuffer.length === 0) return 0;
    let bytes = 0;
    for (const p of packets) bytes += p.length;
    return bytes;
  }
}
