import { HeraldError } from "../domain/errors.js";

const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);
// SQLSTATE class 08 (connection exception), 57P01-03 (shutdown, cannot connect now), 53300 (too many connections).
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]|53300)/;

/** Maps a database failure to the domain error: unreachable or shutting down is `unavailable`. */
export function mapDbError(err: unknown): HeraldError {
  if (err instanceof HeraldError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  const msg = e?.message ?? "";
  if (
    e?.name === "KnexTimeoutError" ||
    (typeof e?.code === "string" && (UNAVAILABLE_ERRNO.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) ||
    /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error|not queryable|Query read timeout/i.test(msg)
  ) {
    return new HeraldError("unavailable", "database unavailable", { cause: err });
  }
  if (e?.code === "57014") return new HeraldError("deadline_exceeded", "database statement timed out", { cause: err });
  return new HeraldError("internal", "database error", { cause: err });
}

/** Runs a storage call and maps whatever it throws. */
export async function withDb<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapDbError(err);
  }
}
