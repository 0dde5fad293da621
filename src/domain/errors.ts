/**
 * The one error type of Herald's domain. Codes are the gRPC canonical codes in
 * snake_case; each transport maps them once (gRPC status, WebSocket error frame).
 */
export type ErrorCode =
  | "cancelled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "aborted"
  | "out_of_range"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "data_loss"
  | "unauthenticated";

export class HeraldError extends Error {
  readonly code: ErrorCode;
  /** The offending input field (dotted path), when there is one. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HeraldError";
    this.code = code;
    this.field = options.field;
  }

  static invalid(field: string, message: string): HeraldError {
    return new HeraldError("invalid_argument", `${field}: ${message}`, { field });
  }
}

/** Wraps anything thrown into a HeraldError; unknown failures become `internal`. */
export function toHeraldError(err: unknown): HeraldError {
  if (err instanceof HeraldError) return err;
  return new HeraldError("internal", "internal error", { cause: err });
}
