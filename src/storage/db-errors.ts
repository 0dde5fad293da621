import { HeraldError } from "../domain/errors.js";

const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);
// SQLSTATE class 08 (connection exception), 57P01-03 (shutdown, cannot connect now), 53300 (too many connections).
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]|53300)/;
const SQL_START = /^\s*(with|select|insert|update|delete|create|alter|drop|begin|commit|rollback|set|savepoint|release|lock|truncate)\b/i;

/**
 * The driver's own message of a failed query. knex prefixes it with the
 * statement (`<sql> - <message>`): given the statement, the prefix is cut
 * exactly; without it, a message that starts like SQL is cut at its last " - ".
 */
export function stripSql(message: string, sql?: string): string {
  if (sql && message.startsWith(`${sql} - `)) return message.slice(sql.length + 3);
  if (SQL_START.test(message)) {
    const at = message.lastIndexOf(" - ");
    return at >= 0 ? message.slice(at + 3) : "database error";
  }
  return message;
}

/**
 * What of a driver error may be logged: its SQLSTATE, the driver's message and
 * the schema names involved. Never the statement, its parameters or the
 * rows' values (pg's `detail`, `where`, `internalQuery` can carry them).
 */
export class DatabaseFailure extends Error {
  readonly code: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;

  constructor(err: unknown) {
    const e = (err ?? {}) as { code?: unknown; message?: unknown; constraint?: unknown; table?: unknown };
    const code = typeof e.code === "string" ? e.code : undefined;
    const message = typeof e.message === "string" ? stripSql(e.message) : String(err);
    // The code goes into the message too: log serialisers keep a cause's message and stack only.
    super(code ? `${message} (${/^[0-9A-Z]{5}$/.test(code) ? "SQLSTATE" : "code"} ${code})` : message);
    this.name = "DatabaseFailure";
    this.code = code;
    this.constraint = typeof e.constraint === "string" ? e.constraint : undefined;
    this.table = typeof e.table === "string" ? e.table : undefined;
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * Maps a database failure to the domain error: unreachable or shutting down is
 * `unavailable`, a statement timeout `deadline_exceeded`, anything else
 * `internal`. The cause kept for the logs is a DatabaseFailure: no SQL text.
 */
export function mapDbError(err: unknown): HeraldError {
  if (err instanceof HeraldError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  const msg = e?.message ?? "";
  const cause = new DatabaseFailure(err);
  if (
    e?.name === "KnexTimeoutError" ||
    (typeof e?.code === "string" && (UNAVAILABLE_ERRNO.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) ||
    /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error|not queryable|Query read timeout/i.test(
      msg,
    )
  ) {
    return new HeraldError("unavailable", "database unavailable", { cause });
  }
  if (e?.code === "57014") return new HeraldError("deadline_exceeded", "database statement timed out", { cause });
  return new HeraldError("internal", "database error", { cause });
}

/** Runs a storage call and maps whatever it throws. */
export async function withDb<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapDbError(err);
  }
}
