import type { Socket } from "socket.io";
import type { Notification } from "../../domain/notification.js";
import { CloseCode, closeAction } from "../session/close-codes.js";
import type { FrameTransport } from "../session/frame-transport.js";
import { notificationPush } from "../session/server-frames.js";
import type { EngineWriter } from "./engine-writer.js";
import type { FrameTranslator, Outgoing } from "./frame-events.js";
import { encodeShared } from "./shared-packets.js";

/** Socket.IO's packet type of an event (socket.io-parser's `PacketType.EVENT`). */
const EVENT = 2;

/**
 * Socket.IO keeps each emit's acknowledgement callback until the client calls
 * it; a client that never acks would grow that map without end. The oldest
 * are dropped beyond this many per socket (a late ack of one is then ignored).
 */
export const MAX_PENDING_ACKS = 10_000;

/** A reply body of a request the bridge made (`{"<op>": {...}}` or `{"error": {...}}`). */
export type ReplyBody = Record<string, unknown>;

/** What the transport asks of its connection. */
export interface TransportHooks {
  /** The client acknowledged a `notification` event (its ack callback ran). */
  acknowledged(notificationId: string): void;
  /** The session's user ("" before authentication): `chat` is not sent for the user's own messages. */
  userId(): string;
  /** The server ended the connection's subscription to a room (`room.left`). */
  roomLeft(roomId: string): void;
  /** Whether the client asked for MinChat's `chat` events (it did `room.user.join`). */
  wantsChat(): boolean;
}

/**
 * A Socket.IO socket as a session's `FrameTransport`: the native frames the
 * `Session` sends become Socket.IO events (`FrameTranslator`), replies to the
 * requests the bridge made for the client go to their waiters, and a close
 * becomes a disconnect. Contracts:
 * - `notification` events are emitted with an acknowledgement callback that
 *   acks the notification (`TransportHooks.acknowledged`);
 * - the events of a room push are encoded once for all sockets of a
 *   namespace (`shared-packets.ts`); every event is written through the
 *   node's `EngineWriter`: straight to the WebSocket, coalesced with the loop
 *   turn's other frames, unless Engine.IO holds packets of its own;
 * - `chat` goes only to a client that did `room.user.join`, never for its own message;
 * - a close emits `herald:close` `{code, reason, reconnect}`, then, for a
 *   code the client should reconnect after, closes the Engine.IO connection
 *   (socket.io-client reconnects by itself and resumes); for a terminal code
 *   it disconnects the namespace (socket.io-client does not reconnect);
 * - liveness is Engine.IO's own ping/pong: the native heartbeat's `ping` is a
 *   no-op and `alive` is always true;
 * - `bufferedAmount` counts the bytes of frames not yet handed to the
 *   transport (Engine.IO's write buffer: a polling client that does not poll)
 *   plus the WebSocket's own buffer, so the slow-consumer bound holds;
 * - at most `MAX_PENDING_ACKS` notifications per socket wait for their
 *   acknowledgement (the oldest are forgotten beyond).
 */
export class SocketIoTransport implements FrameTransport {
  readonly #socket: Socket;
  readonly #translator: FrameTranslator;
  readonly #hooks: TransportHooks;
  readonly #writer: EngineWriter;
  readonly #waiters = new Map<number, (body: ReplyBody) => void>();
  /** Socket.IO's own map of pending acknowledgement callbacks (a private field; absent: not bounded). */
  readonly #pendingAcks: Map<number, unknown> | undefined;
  #unflushed = 0;
  #closed = false;

  constructor(options: { socket: Socket; translator: FrameTranslator; writer: EngineWriter; hooks: TransportHooks }) {
    this.#socket = options.socket;
    this.#writer = options.writer;
    this.#translator = options.translator;
    this.#hooks = options.hooks;
    const acks = (options.socket as unknown as { acks?: unknown }).acks;
    this.#pendingAcks = acks instanceof Map ? acks : undefined;
    this.#socket.conn.on("drain", () => (this.#unflushed = 0));
  }

  get alive(): boolean {
    return true;
  }

  set alive(_value: boolean) {
    // Engine.IO pings the client itself (pingInterval/pingTimeout).
  }

  get bufferedAmount(): number {
    const ws = (this.#socket.conn.transport as unknown as { socket?: { bufferedAmount?: number } }).socket;
    return this.#unflushed + (ws?.bufferedAmount ?? 0);
  }

  /** Waits for the reply to request `id` (the bridge's own request ids). */
  expect(id: number, onReply: (body: ReplyBody) => void): void {
    this.#waiters.set(id, onReply);
  }

  send(frame: string | Buffer): void {
    if (this.#closed) return;
    for (const out of this.#translator.translate(frame)) this.#emit(out);
  }

  /**
   * A notification as Matcha's `notification` event with an acknowledgement
   * id, its packet written from the domain notification (no native frame
   * parsed and re-encoded); the same packet Socket.IO's `emit` would encode.
   */
  sendNotification(n: Notification): void {
    if (this.#closed) return;
    if (this.#pendingAcks === undefined) return this.send(notificationPush(n));
    const nsp = this.#socket.nsp.name;
    const head = nsp === "/" ? "2" : `2${nsp},`;
    const packet = `${head}${this.#awaitAck(n.id)}["notification",${this.#translator.notificationJson(n)}]`;
    this.#unflushed += this.#writer.writePackets(this.#socket, [packet]);
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters.clear();
    const reconnect = closeAction(code) === "reconnect";
    this.#socket.emit("herald:close", { code, reason, reconnect });
    if (!reconnect) this.#socket.disconnect();
    // A slow consumer's backlog is dropped, not flushed.
    else this.#socket.conn.close(code === CloseCode.slowConsumer);
  }

  terminate(): void {
    this.#closed = true;
    this.#waiters.clear();
    this.#socket.conn.close(true);
  }

  ping(): void {}

  #emit(out: Outgoing): void {
    if (out.kind === "reply") {
      const waiter = this.#waiters.get(out.id);
      this.#waiters.delete(out.id);
      waiter?.(out.body);
      return;
    }
    if (out.name === "chat" && (!this.#hooks.wantsChat() || out.senderId === this.#hooks.userId())) return;
    if (out.name === "room.left") this.#hooks.roomLeft((out.args[0] as { channelId: string }).channelId);
    const socket = this.#socket;
    const nsp = socket.nsp;
    if (out.shared !== undefined) {
      let packet = out.shared.get(nsp.name);
      if (packet === undefined) out.shared.set(nsp.name, (packet = encodeShared(nsp.server, nsp.name, out.name, out.args)));
      this.#unflushed += this.#writer.writeShared(socket, packet);
      return;
    }
    const ackId = out.ackId;
    if (ackId !== undefined && this.#pendingAcks === undefined) {
      socket.emit(out.name, ...out.args, () => this.#hooks.acknowledged(ackId));
      return;
    }
    const packet: { type: number; nsp: string; data: unknown[]; id?: number } = {
      type: EVENT,
      nsp: nsp.name,
      data: [out.name, ...out.args],
    };
    if (ackId !== undefined) packet.id = this.#awaitAck(ackId);
    this.#unflushed += this.#writer.writePackets(socket, nsp.server.encoder.encode(packet) as unknown[]);
  }

  /**
   * Registers the acknowledgement of notification `notificationId` as
   * Socket.IO's `emit` with a callback does (the namespace's next ack id, the
   * callback in the socket's map; at most `MAX_PENDING_ACKS`); returns the ack id.
   */
  #awaitAck(notificationId: string): number {
    const acks = this.#pendingAcks!;
    const id = (this.#socket.nsp as unknown as { _ids: number })._ids++;
    acks.set(id, () => this.#hooks.acknowledged(notificationId));
    if (acks.size > MAX_PENDING_ACKS) acks.delete(acks.keys().next().value!);
    return id;
  }
}
