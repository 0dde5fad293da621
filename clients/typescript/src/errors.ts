import type { Error as WireError } from "../../../gen/herald/gateway/v1/envelope.js";

/**
 * An error from Herald or from the SDK itself. `code` is a snake_case name of
 * the gRPC canonical code set, as the server's (`invalid_argument`,
 * `unauthenticated`, `permission_denied`, `unavailable`, `deadline_exceeded`,
 * ...): switch on it. `message` is for humans and logs.
 */
export class HeraldError extends Error {
  /** Stable snake_case code. */
  readonly code: string;
  /** The offending input as a dotted path (`list.limit`), when there is one. */
  readonly field?: string;
  /** The WebSocket close code, for an error that ended the connection. */
  readonly closeCode?: number;

  constructor(code: string, message: string, extra: { field?: string; closeCode?: number } = {}) {
    super(message);
    this.name = "HeraldError";
    this.code = code;
    if (extra.field) this.field = extra.field;
    if (extra.closeCode !== undefined) this.closeCode = extra.closeCode;
  }

  /** The server's `{code, message, field}` as a HeraldError. */
  static fromWire(e: WireError, closeCode?: number): HeraldError {
    return new HeraldError(e.code || "unknown", e.message, { field: e.field, closeCode });
  }
}

/** Any thrown value as a HeraldError (`code` given for values that are not one). */
export function asHeraldError(err: unknown, code = "unknown"): HeraldError {
  if (err instanceof HeraldError) return err;
  return new HeraldError(code, err instanceof Error ? err.message : String(err));
}
