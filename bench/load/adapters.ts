import { SignJWT } from "jose";
import WebSocket from "ws";
import { io, type ManagerOptions, type SocketOptions } from "socket.io-client";

/**
 * How the load generator talks to each system. The only system-specific parts
 * are the URL, the connect handshake and `stampsOf`, which picks the sender's
 * timestamp out of a frame; counting and latency are shared.
 */

/** `t` = sender's bench clock (bench/lib/clock.ts) at send, `i` = message number (< 0: warm-up). */
export interface Stamp {
  t: number;
  i: number;
}

/**
 * `room`: a Herald session that, once authenticated, joins one room and counts as up on the join reply.
 * `herald-socketio`: socket.io-client on Herald's Socket.IO endpoint (the URL names the namespace and
 * carries the token), up on Herald's `session` event.
 * `room-socketio`: socket.io-client on Herald's default (MinChat) namespace that, on `session`, emits
 * `room.join {channelId}` and is up on its acknowledgement; stamps come in MinChat's `message` events.
 */
export type AdapterName = "raw" | "socketio" | "herald" | "room" | "herald-socketio" | "room-socketio";
export const ADAPTERS: readonly AdapterName[] = ["raw", "socketio", "herald", "room", "herald-socketio", "room-socketio"];

/** What a `room` client joins: `{"id":1,"join":{"roomId":...,"presence":...}}` after its session opens. */
export interface RoomJoin {
  roomId: string;
  /** Ask for presence_event pushes (the room must have presence on). */
  presence: boolean;
  /**
   * With N > 0, join with the filter `{"equals": {"g": <user number mod N>}}`:
   * the client gets the messages of its group only (content `g`).
   */
  filterGroups?: number;
}

/** The join frame of a `room` client. */
function joinFrame(spec: ClientSpec): string {
  const room = spec.room!;
  const groups = room.filterGroups ?? 0;
  const filter = groups > 0 ? { equals: { g: Number(/\d+$/.exec(spec.userId)?.[0] ?? 0) % groups } } : undefined;
  return JSON.stringify({ id: 1, join: { roomId: room.roomId, presence: room.presence, filter } });
}

export interface ClientSpec {
  index: number;
  userId: string;
  /** URL with `{user}` and `{token}` already substituted. */
  url: string;
  localAddress?: string;
  connectTimeoutMs: number;
  /** The room a `room` client joins (required for that adapter). */
  room?: RoomJoin;
}

export interface Handlers {
  /** Called with the receive time (bench clock) taken as the frame arrived. */
  onStamps(recvMs: number, stamps: Stamp[]): void;
  onClose(): void;
  /** A room's `presenceEvent` push arrived (room clients that asked for them). */
  onPresence?(): void;
}

export interface Connection {
  close(): void;
}

function isStamp(c: unknown): c is Stamp {
  return typeof c === "object" && c !== null && typeof (c as Stamp).t === "number" && typeof (c as Stamp).i === "number";
}

/**
 * Stamps in Herald's push envelope, which the baselines send too so payload
 * sizes match: `{"notification":{..., "content":{"t":..,"i":..}, ...}}`. Also
 * accepts a batched `{"notifications":[...]}` should the gateway ever coalesce
 * several into one frame, and a room's
 * `{"roomEvent":{"subscriptionId":..,"event":{..,"message":{..,"content":{"t":..,"i":..}}}}}`.
 * Anything else (hello, ack, pong) carries no stamp.
 */
export function stampsOf(msg: unknown): Stamp[] {
  if (typeof msg !== "object" || msg === null) return [];
  const m = msg as {
    notification?: { content?: unknown };
    notifications?: { content?: unknown }[];
    roomEvent?: { event?: { message?: { content?: unknown } } };
  };
  if (m.notification && isStamp(m.notification.content)) return [m.notification.content];
  // Herald's Socket.IO `notification` event: the seed's fields plus `content`.
  if (isStamp((msg as { content?: unknown }).content)) return [(msg as { content: Stamp }).content];
  const roomContent = m.roomEvent?.event?.message?.content;
  if (roomContent !== undefined) return isStamp(roomContent) ? [roomContent] : [];
  if (Array.isArray(m.notifications)) return m.notifications.map((n) => n?.content).filter(isStamp);
  return [];
}

/** HS256 JWT with sub = user id, as Herald's gateway expects (`?token=`). */
export function mintToken(secret: string, userId: string, ttlSec = 3_600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSec)
    .sign(new TextEncoder().encode(secret));
}

/**
 * Plain `ws` client: the raw ws baseline and Herald (JSON text frames). With
 * `awaitSession` (Herald) the connection counts as up only once the gateway
 * says the session is open, i.e. on its `{"authenticate":{...}}` frame (sent
 * after the token is verified and the connection is attached to its user);
 * an `{"error":{...}}` frame or a close before that is a failed connect. With
 * `spec.room` (the `room` adapter) the client then sends
 * `{"id":1,"join":{"roomId":...}}` and is up on the `{"id":1,"join":{...}}`
 * reply, i.e. once it is subscribed; an error reply is a failed connect.
 */
function connectWs(spec: ClientSpec, h: Handlers, now: () => number, awaitSession: boolean): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(spec.url, {
      perMessageDeflate: false,
      handshakeTimeout: spec.connectTimeoutMs,
      ...(spec.localAddress ? { localAddress: spec.localAddress } : {}),
    });
    let open = false;
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`no session within ${spec.connectTimeoutMs} ms`)), spec.connectTimeoutMs);
    const up = () => {
      if (settled) return;
      settled = open = true;
      clearTimeout(timer);
      resolve({ close: () => ws.terminate() });
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const onSetupFrame = (msg: object) => {
      if ("error" in msg) fail(new Error(`gateway error frame: ${JSON.stringify((msg as { error: unknown }).error)}`));
      else if ("authenticate" in msg) {
        if (!spec.room) up();
        else ws.send(joinFrame(spec));
      } else if ("join" in msg && (msg as { id?: unknown }).id === 1) up();
    };
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      const recv = now();
      if (isBinary) return;
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString("utf8"));
      } catch {
        return;
      }
      const stamps = stampsOf(msg);
      if (stamps.length) h.onStamps(recv, stamps);
      else if (typeof msg !== "object" || msg === null) return;
      else if ("presenceEvent" in msg) h.onPresence?.();
      else if (!open && awaitSession) onSetupFrame(msg);
    });
    ws.once("open", () => {
      if (!awaitSession) up();
    });
    ws.on("error", (err) => fail(err));
    ws.once("unexpected-response", (_req, res) => fail(new Error(`HTTP ${res.statusCode} on WebSocket upgrade`)));
    ws.once("close", (code, reason) => {
      if (open) h.onClose();
      else fail(new Error(`closed before the session opened (${code} ${reason.toString()})`));
    });
  });
}

/** The real socket.io-client (websocket transport only, one Manager per client: no multiplexing). */
function connectSocketIo(
  spec: ClientSpec,
  h: Handlers,
  now: () => number,
  upOn: "connect" | "session" | "room.join" = "connect",
): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const opts: Record<string, unknown> = {
      transports: ["websocket"],
      forceNew: true,
      multiplex: false,
      reconnection: false,
      timeout: spec.connectTimeoutMs,
      perMessageDeflate: false,
    };
    if (spec.localAddress) opts.localAddress = spec.localAddress; // passed through to `ws`
    const socket = io(spec.url, opts as Partial<ManagerOptions & SocketOptions>);
    let open = false;
    const onStamped = (payload: unknown) => {
      const recv = now();
      const stamps = stampsOf(payload);
      if (stamps.length) h.onStamps(recv, stamps);
    };
    // `notification` (scenario 1's pushes) and MinChat's `message` (room events, stock Socket.IO's --room-shape).
    socket.on("notification", onStamped);
    socket.on("message", onStamped);
    const up = () => {
      open = true;
      resolve({ close: () => socket.disconnect() });
    };
    if (upOn !== "room.join") socket.once(upOn, up);
    else
      socket.once("session", () => {
        socket.emit("room.join", { channelId: spec.room!.roomId }, (reply: { error?: { message?: string } }) => {
          if (reply?.error) {
            socket.close();
            reject(new Error(`room.join refused: ${reply.error.message}`));
          } else up();
        });
      });
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
    socket.on("disconnect", () => {
      if (open) h.onClose();
    });
  });
}

export function connect(adapter: AdapterName, spec: ClientSpec, h: Handlers, now: () => number): Promise<Connection> {
  if (adapter === "socketio") return connectSocketIo(spec, h, now);
  if (adapter === "herald-socketio") return connectSocketIo(spec, h, now, "session");
  if (adapter === "room-socketio") {
    if (!spec.room) return Promise.reject(new Error("the room-socketio adapter needs a room to join"));
    return connectSocketIo(spec, h, now, "room.join");
  }
  if (adapter === "room" && !spec.room) return Promise.reject(new Error("the room adapter needs a room to join"));
  return connectWs(spec, h, now, adapter === "herald" || adapter === "room");
}
