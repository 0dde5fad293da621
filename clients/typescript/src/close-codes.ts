import { CloseCode, closeAction } from "../../../src/transport/session/close-codes.js";

/**
 * What the SDK does after a close: the server's own table decides (imported
 * from `src/transport/session/close-codes.ts`, the one rule behind
 * docs/protocol.md's "Close codes"): reconnect on 3000-3499, 4000-4499 and
 * the standard codes, stop on 3500-3999, 4500-4999 and 1009.
 */
export { CloseCode };

/** The snake_case error code reported for a terminal close without an error frame before it. */
const ERROR_CODE_OF_CLOSE: Readonly<Record<number, string>> = {
  [CloseCode.badRequest]: "invalid_argument",
  [CloseCode.invalidToken]: "unauthenticated",
  [CloseCode.authTimeout]: "deadline_exceeded",
  [CloseCode.sessionReplaced]: "aborted",
  [CloseCode.connectionLimit]: "resource_exhausted",
  [CloseCode.banned]: "permission_denied",
  [CloseCode.flood]: "resource_exhausted",
  [CloseCode.messageTooBig]: "invalid_argument",
};

/** Client-side closes (the SDK gave up on a socket): in the applications' reconnect range. */
export const LocalClose = {
  /** No open socket or no authenticate reply within the request timeout. */
  connectTimeout: 4000,
  /** No reply to a liveness ping within the request timeout. */
  pingTimeout: 4001,
  /** The browser went offline. */
  offline: 4002,
} as const;

/** The decision for a close code: reconnect (with backoff, resuming) or stop (terminal). */
export function closeOutcome(code: number): { action: "reconnect" | "stop"; errorCode: string } {
  return { action: closeAction(code), errorCode: ERROR_CODE_OF_CLOSE[code] ?? (code >= 4000 ? "failed_precondition" : "unavailable") };
}
