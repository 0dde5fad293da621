import type { CloseKind } from "../../domain/ports.js";

/**
 * WebSocket close codes, in two ranges (as Centrifuge does):
 * 3000-3499: reconnect-worthy — the client should reconnect (with backoff) and resume;
 * 4000-4499: terminal — reconnecting with the same credentials will fail the same way.
 * 1009 (message too big) is the standard code; treat it as terminal for that frame's sender.
 */
export const CloseCode = {
  // reconnect-worthy
  shutdown: 3000,
  heartbeatTimeout: 3001,
  slowConsumer: 3002,
  disconnected: 3003,
  tokenExpired: 3004,
  resyncFailed: 3005,
  // terminal
  badRequest: 4000,
  invalidToken: 4001,
  authTimeout: 4002,
  sessionReplaced: 4004,
  connectionLimit: 4005,
  banned: 4006,
  flood: 4008,
  // standard
  messageTooBig: 1009,
} as const;

export const CLOSE_FOR_KIND: Record<CloseKind, { code: number; reason: string }> = {
  disconnected: { code: CloseCode.disconnected, reason: "disconnected by the server" },
  banned: { code: CloseCode.banned, reason: "banned" },
  session_replaced: { code: CloseCode.sessionReplaced, reason: "session replaced by a newer connection" },
  connection_limit: { code: CloseCode.connectionLimit, reason: "too many connections for this user" },
};

export function isReconnectWorthy(code: number): boolean {
  return code >= 3000 && code < 3500;
}
