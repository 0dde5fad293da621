import type { CloseKind } from "../../domain/ports.js";

/**
 * WebSocket close codes. The number alone says whether to reconnect, in
 * Centrifuge's ranges (centrifuge-js decides the same way):
 * - 3000-3499 and 4000-4499: reconnect (with backoff) and resume from the last seq;
 * - 3500-3999 and 4500-4999: terminal: reconnecting with the same credentials fails the same way.
 * Herald's own codes use 3000-3099 (reconnect) and 4500-4599 (terminal); the
 * other parts of the ranges are left to applications. 1009 (message too big)
 * is the standard code: terminal for the frame that caused it.
 */
export const CloseCode = {
  // reconnect
  shutdown: 3000,
  heartbeatTimeout: 3001,
  slowConsumer: 3002,
  disconnected: 3003,
  tokenExpired: 3004,
  resyncFailed: 3005,
  /** The user opened new connections faster than HERALD_WS_CONNECT_RATE_PER_USER: reconnect with backoff. */
  connectRate: 3006,
  // terminal
  badRequest: 4500,
  invalidToken: 4501,
  authTimeout: 4502,
  sessionReplaced: 4504,
  connectionLimit: 4505,
  banned: 4506,
  flood: 4508,
  // standard
  messageTooBig: 1009,
} as const;

/**
 * What a client should do after a close with `code`: the one rule behind
 * docs/protocol.md's table. Standard codes other than 1009 (a network drop
 * 1006, a going-away 1001, ...) are worth a reconnect.
 */
export function closeAction(code: number): "reconnect" | "stop" {
  if ((code >= 3500 && code < 4000) || (code >= 4500 && code < 5000) || code === CloseCode.messageTooBig) return "stop";
  return "reconnect";
}

export const CLOSE_FOR_KIND: Record<CloseKind, { code: number; reason: string }> = {
  disconnected: { code: CloseCode.disconnected, reason: "disconnected by the server" },
  banned: { code: CloseCode.banned, reason: "banned" },
  session_replaced: { code: CloseCode.sessionReplaced, reason: "session replaced by a newer connection" },
  connection_limit: { code: CloseCode.connectionLimit, reason: "too many connections for this user" },
};
