/**
 * Native server frames (proto3 JSON, as a `Session` sends them) turned into
 * Socket.IO events, the names and payloads of seeds 000 (Matcha) and 001
 * (MinChat); docs/socketio.md has the table. Pure: no socket here.
 *
 * Cost: a frame is parsed once (`JSON.parse`) and mapped once per distinct
 * frame object: a room push's `Buffer` is shared by every subscriber of the
 * room (cached in a WeakMap), and a string frame sent to several sockets in a
 * row (a user's connections) hits a one-entry cache. The events of a shared
 * frame are also encoded once per namespace (`Outgoing.shared`); the others
 * are encoded by Socket.IO for each socket (a notification's acknowledgement
 * id is the socket's own).
 */
import type { Notification } from "../../domain/notification.js";
import { contentJson } from "../session/server-frames.js";
import type { SharedPacket } from "./shared-packets.js";

/** How the Matcha `notification` payload takes its `type` (config `HERALD_SOCKETIO_TYPE_*`). */
export interface NotificationTypeMapping {
  /** The content field read first (its value when it is a string). */
  typeField: string;
  /** Else by code; else the code as text. */
  typeByCode: Record<number, string>;
}

/** One Socket.IO event to emit, or a reply to a request the bridge made for the client. */
export type Outgoing =
  | { kind: "reply"; id: number; body: Record<string, unknown> }
  | {
      kind: "event";
      name: string;
      args: unknown[];
      /** A notification: emitted with an acknowledgement callback that acks this id. */
      ackId?: string;
      /** A `chat` derived from a room message: not sent to its own sender. */
      senderId?: string;
      /**
       * Present on the events of a frame shared by many sockets (a room
       * push): each namespace's encoding, filled by the first socket that
       * emits it (`encodeShared`), written as is by the others.
       */
      shared?: Map<string, SharedPacket>;
    };

// biome-ignore lint/suspicious/noExplicitAny: parsed proto3 JSON of frames the session encoded; shapes are the generated ServerFrame's
type Json = Record<string, any>;

/** The Socket.IO event name of each native system event code that reaches a client as an event. */
export const STATE_SYNC_EVENTS = {
  SYSTEM_CODE_READ_ELSEWHERE: "notifications read",
  SYSTEM_CODE_DELETED_ELSEWHERE: "notifications deleted",
} as const;

/** Text of the `error` event for a refused token: the seed's exact text. */
export const INVALID_TOKEN_TEXT = "Invalid authentication token";

/** Translates native frames to events, caching per frame object (see the file comment). */
export class FrameTranslator {
  readonly #types: NotificationTypeMapping;
  readonly #buffers = new WeakMap<Buffer, Outgoing[]>();
  #lastNotification: Notification | null = null;
  #lastNotificationJson = "";
  #lastText = "";
  #lastOut: Outgoing[] = [];

  constructor(types: NotificationTypeMapping) {
    this.#types = types;
  }

  /** The events (or reply) of one native frame; the returned array is shared: do not modify it. */
  translate(frame: string | Buffer): Outgoing[] {
    if (typeof frame === "string") {
      if (frame === this.#lastText) return this.#lastOut;
      const out = this.#map(JSON.parse(frame) as Json);
      // Replies are per request: never cached.
      if (out[0]?.kind !== "reply") {
        this.#lastText = frame;
        this.#lastOut = out;
      }
      return out;
    }
    let out = this.#buffers.get(frame);
    if (out === undefined) {
      out = this.#map(JSON.parse(frame.toString("utf8")) as Json);
      for (const e of out) if (e.kind === "event") e.shared = new Map();
      this.#buffers.set(frame, out);
    }
    return out;
  }

  /**
   * The `notification` event's payload as JSON text, written from the domain
   * notification (no native frame to parse): the text of
   * `JSON.stringify(notificationPayload(...))` of its native frame. A
   * one-entry cache serves a user's further sockets, which get the
   * notification in a row.
   */
  notificationJson(n: Notification): string {
    if (n !== this.#lastNotification) {
      this.#lastNotificationJson = notificationPayloadJson(n, this.#types);
      this.#lastNotification = n;
    }
    return this.#lastNotificationJson;
  }

  #map(f: Json): Outgoing[] {
    if (typeof f.id === "number" && f.id !== 0) {
      const { id, ...body } = f;
      return [{ kind: "reply", id, body }];
    }
    if (f.notification) {
      const n = f.notification as Json;
      return [{ kind: "event", name: "notification", args: [notificationPayload(n, this.#types)], ackId: n.id }];
    }
    if (f.roomEvent) return roomEventEvents(f.roomEvent as Json);
    if (f.typingEvent) {
      const t = f.typingEvent as Json;
      return [event(t.typing ? "typing.start" : "typing.stop", { userId: t.userId, channelId: t.roomId })];
    }
    if (f.presenceEvent) {
      const p = f.presenceEvent as Json;
      const action = p.action === "PRESENCE_ACTION_JOIN" ? "join" : "leave";
      return [event("presence", { channelId: p.roomId, userId: p.userId, action, userCount: p.userCount ?? 0 })];
    }
    if (f.unsubscribed) {
      const u = f.unsubscribed as Json;
      return [
        event("room.left", {
          channelId: u.roomId,
          reason: String(u.reason ?? "")
            .replace(/^UNSUBSCRIBE_REASON_/, "")
            .toLowerCase(),
        }),
      ];
    }
    if (f.roomActivity) {
      const a = f.roomActivity as Json;
      return [event("chat", { channelId: a.roomId, messageId: a.messageId, seq: seqOf(a.seq), senderId: a.senderId ?? null })];
    }
    if (f.systemEvent) return systemEventEvents(f.systemEvent as Json);
    if (f.authenticate) return [event("session", sessionPayload(f.authenticate as Json))];
    if (f.error) return [errorEvent(f.error as Json)];
    return [];
  }
}

function event(name: string, ...args: unknown[]): Outgoing {
  return { kind: "event", name, args };
}

function seqOf(seq: unknown): number | null {
  return seq === undefined ? null : Number(seq);
}

/**
 * Matcha's payload (`type`, `from`, `timestamp`, `message`) mapped from
 * Herald's notification, plus Herald's own fields.
 */
export function notificationPayload(n: Json, types: NotificationTypeMapping): Json {
  const content = (n.content ?? {}) as Json;
  const code = (n.code ?? 0) as number;
  const fieldType = content[types.typeField];
  const type = typeof fieldType === "string" ? fieldType : (types.typeByCode[code] ?? String(code));
  const payload: Json = {
    type,
    from: n.senderId ?? (typeof content.from === "string" ? content.from : null),
    timestamp: n.createTime,
    message: typeof content.message === "string" ? content.message : (n.subject ?? ""),
    notification_id: n.id,
    seq: seqOf(n.seq),
    code,
    content,
    subject: n.subject ?? "",
    persistent: n.persistent === true,
  };
  if (n.readTime) payload.read_time = n.readTime;
  if (n.expireTime) payload.expire_time = n.expireTime;
  return payload;
}

/** `notificationPayload` of a domain notification, as JSON text, written by hand (a property test holds the two together). */
export function notificationPayloadJson(n: Notification, types: NotificationTypeMapping): string {
  const content = n.content;
  const fieldType = content[types.typeField];
  const type = typeof fieldType === "string" ? fieldType : (types.typeByCode[n.code] ?? String(n.code));
  const from = n.senderId !== "" ? n.senderId : typeof content.from === "string" ? content.from : null;
  const message = typeof content.message === "string" ? content.message : n.subject;
  let text = `{"type":${JSON.stringify(type)},"from":${JSON.stringify(from)},"timestamp":"${n.createdAt.toISOString()}"`;
  text += `,"message":${JSON.stringify(message)},"notification_id":${JSON.stringify(n.id)},"seq":${n.seq === 0 ? "null" : n.seq}`;
  text += `,"code":${n.code},"content":${contentJson(content)},"subject":${JSON.stringify(n.subject)},"persistent":${n.persistent}`;
  if (n.readAt) text += `,"read_time":"${n.readAt.toISOString()}"`;
  if (n.expireAt) text += `,"expire_time":"${n.expireAt.toISOString()}"`;
  return `${text}}`;
}

/** MinChat's message data from a room message (and its event's seq). */
function messagePayload(m: Json, seq: unknown): Json {
  const content = (m.content ?? {}) as Json;
  return {
    id: m.messageId,
    channelId: m.roomId,
    userId: m.senderId ?? null,
    text: typeof content.text === "string" ? content.text : null,
    content,
    tags: m.tags ?? {},
    seq: seqOf(seq),
    createdAt: m.createTime ?? null,
    updatedAt: m.updateTime ?? null,
  };
}

function roomEventEvents(r: Json): Outgoing[] {
  const e = r.event as Json;
  const m = (e.message ?? {}) as Json;
  switch (e.kind) {
    case "ROOM_EVENT_KIND_MESSAGE_UPDATE":
      return [event("message.update", messagePayload(m, e.seq))];
    case "ROOM_EVENT_KIND_MESSAGE_DELETE":
      return [event("message.delete", m.messageId)];
    default: {
      const payload = messagePayload(m, e.seq);
      // MinChat's `chat`: a new message in any of the user's conversations, joined ones too.
      const chat: Outgoing = {
        kind: "event",
        name: "chat",
        args: [{ channelId: m.roomId, messageId: m.messageId, seq: seqOf(e.seq), senderId: m.senderId ?? null, message: payload }],
        senderId: m.senderId ?? "",
      };
      return r.scope === "SCOPE_OUT" ? [event("message.update", payload)] : [event("message", payload), chat];
    }
  }
}

function systemEventEvents(s: Json): Outgoing[] {
  const name = STATE_SYNC_EVENTS[s.code as keyof typeof STATE_SYNC_EVENTS];
  if (name !== undefined) {
    const payload: Json = { notification_ids: s.notificationIds ?? [], unread_count: s.unreadCount ?? 0 };
    if (s.upToSeq !== undefined) payload.up_to_seq = Number(s.upToSeq);
    return [event(name, payload)];
  }
  const code = String(s.code ?? "")
    .replace(/^SYSTEM_CODE_/, "")
    .toLowerCase();
  if (code === "token_expired") return [event("error", "Token expired", { code, message: s.reason ?? "token expired" })];
  return [event("error", s.reason ?? code, { code, message: s.reason ?? code })];
}

function sessionPayload(a: Json): Json {
  return {
    user_id: a.userId,
    session_id: a.sessionId,
    expire_time: a.expireTime,
    unread_count: a.unreadCount ?? 0,
    last_seq: seqOf(a.lastSeq) ?? 0,
  };
}

/** An error push as Matcha's `error` event: a text (the seed's for a refused token) and the details. */
export function errorEvent(e: Json): Outgoing {
  const detail = { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) };
  const text = e.code === "unauthenticated" && String(e.message).startsWith(INVALID_TOKEN_TEXT) ? INVALID_TOKEN_TEXT : String(e.message);
  return event("error", text, detail);
}
