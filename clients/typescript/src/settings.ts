import type { WebSocketConstructor } from "./connection.js";
import type { HeraldOptions } from "./types.js";

/** The options with their defaults filled in. */
export type Settings = Required<Omit<HeraldOptions, "token" | "getToken" | "inboxFilter" | "storage">>;

export function settings(o: HeraldOptions): Settings {
  const WebSocket = o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocket) throw new TypeError("no WebSocket: pass options.WebSocket (e.g. the `ws` package in Node)");
  let protocol = "";
  try {
    protocol = new URL(o.url).protocol;
  } catch {
    // not a URL
  }
  if (protocol !== "ws:" && protocol !== "wss:") throw new TypeError(`url must be a ws:// or wss:// URL, got ${JSON.stringify(o.url)}`);
  return {
    url: o.url,
    storageKey: o.storageKey ?? "herald",
    WebSocket,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    minReconnectDelayMs: o.minReconnectDelayMs ?? 500,
    maxReconnectDelayMs: o.maxReconnectDelayMs ?? 20_000,
    suspendedAfterMs: o.suspendedAfterMs ?? 120_000,
    refreshAheadMs: o.refreshAheadMs ?? 60_000,
    pingIntervalMs: o.pingIntervalMs ?? 25_000,
  };
}
