import type { Notification, SystemEvent } from "../../../gen/herald/v1/notification.js";
import type { RoomActivityPush } from "../../../gen/herald/gateway/v1/envelope.js";
import type { WebSocketConstructor } from "./connection.js";
import type { HeraldError } from "./errors.js";
import type { HeraldStorage } from "./storage.js";

/**
 * The connection's state (Ably's model):
 * - `disconnected`: not connected and not trying (before `connect()`, after
 *   `disconnect()`, or after a terminal close, which also emits `error`);
 * - `connecting`: opening a socket and authenticating, or waiting to retry;
 * - `connected`: authenticated; pushes arrive and requests are sent;
 * - `suspended`: still retrying, but not connected for `suspendedAfterMs`
 *   (tell the user the data may be stale).
 */
export type ConnectionState = "disconnected" | "connecting" | "connected" | "suspended";

/** Options of `new Herald(...)`. */
export interface HeraldOptions {
  /** The WebSocket endpoint, e.g. `ws://127.0.0.1:8080/ws`. */
  url: string;
  /** A fixed JWT (no refresh possible: the session ends at its expiry). Give this or `getToken`. */
  token?: string;
  /** Gets a fresh JWT: called for each connect and ahead of expiry (in-band refresh). */
  getToken?: () => Promise<string>;
  /** Where resume points are kept. Default: `localStorage` if present, else memory. */
  storage?: HeraldStorage;
  /** Key prefix in `storage` (the user id follows). Default `"herald"`. */
  storageKey?: string;
  /** The WebSocket class. Default `globalThis.WebSocket`; in Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** Deadline of every request, and of opening plus authenticating a socket. Default 10,000 ms. */
  requestTimeoutMs?: number;
  /** Lower bound of the reconnect delay (full-jitter exponential backoff). Default 500 ms. */
  minReconnectDelayMs?: number;
  /** Upper bound of the reconnect delay. Default 20,000 ms. */
  maxReconnectDelayMs?: number;
  /** After this long without a connection the state is `suspended` (retries go on). Default 120,000 ms. */
  suspendedAfterMs?: number;
  /** Refresh the token this long before it expires (at most half its lifetime). Default 60,000 ms. */
  refreshAheadMs?: number;
  /** Send a liveness `ping` after this long without a frame (0: never). Default 25,000 ms. */
  pingIntervalMs?: number;
  /** A filter (Koncorde DSL) on the inbox stream: only matching notifications are pushed. */
  inboxFilter?: Record<string, unknown>;
}

/** The Herald client's events and their listeners. */
export interface HeraldEvents {
  /** The connection state changed; a change caused by a close says which (`closeCode`, `reason`). */
  state: (e: { previous: ConnectionState; current: ConnectionState; closeCode?: number; reason?: string }) => void;
  /** A notification, live or resumed: each once (deduped by id and seq). */
  notification: (n: Notification) => void;
  /** A pushed state-sync event (read or deleted elsewhere, token expired, session replaced). */
  system: (e: SystemEvent) => void;
  /** The unread count changed. */
  unread: (count: number) => void;
  /** Notifications were marked read, here or elsewhere (`upToSeq`: everything up to it). */
  read: (e: { ids: string[]; upToSeq?: string }) => void;
  /** Notifications were deleted, here or elsewhere. */
  deleted: (e: { ids: string[] }) => void;
  /** A new message in a room of the user that this client has not joined. */
  activity: (e: RoomActivityPush) => void;
  /** An error not tied to a request: a terminal close, a refused token refresh, an error push. */
  error: (e: HeraldError) => void;
}
