import assert from "node:assert/strict";
import { describe, test } from "vitest";
import { HeraldError } from "../../../src/domain/errors.js";
import { DatabaseFailure, mapDbError, stripSql, withDb } from "../../../src/storage/db-errors.js";

function err(props: Record<string, unknown>): Error {
  return Object.assign(new Error(String(props.message ?? "boom")), props);
}

describe("mapDbError", () => {
  test("an unreachable or shutting-down database is unavailable", () => {
    for (const e of [
      err({ code: "ECONNREFUSED" }),
      err({ code: "ECONNRESET" }),
      err({ code: "ETIMEDOUT" }),
      err({ code: "ENOTFOUND" }),
      err({ code: "08006" }),
      err({ code: "08001" }),
      err({ code: "57P01" }),
      err({ code: "57P03" }),
      err({ code: "53300" }),
      err({ name: "KnexTimeoutError", message: "Knex: Timeout acquiring a connection." }),
      err({ message: "Connection terminated unexpectedly" }),
      err({ message: "Client has encountered a connection error and is not queryable" }),
    ]) {
      const m = mapDbError(e);
      assert.equal(m.code, "unavailable", `${(e as { code?: string }).code ?? e.message}`);
      assert.ok(m.cause instanceof DatabaseFailure, "keeps the cause, as a DatabaseFailure");
      assert.equal((m.cause as DatabaseFailure).code, (e as { code?: string }).code);
    }
  });

  test("a statement timeout is deadline_exceeded; anything else is internal and leaks no detail", () => {
    assert.equal(mapDbError(err({ code: "57014" })).code, "deadline_exceeded");
    const m = mapDbError(err({ code: "23505", message: 'duplicate key value violates unique constraint "secret_index"' }));
    assert.equal(m.code, "internal");
    assert.doesNotMatch(m.message, /secret_index/);
  });

  test("the cause keeps the SQLSTATE and the driver's message, never the statement knex prefixed it with", () => {
    const sql = "insert into notifications (id) select id from json_to_recordset($1::json) - x";
    const m = mapDbError(
      err({
        code: "22P05",
        message: `${sql} - unsupported Unicode escape sequence`,
        detail: "secret row data",
        where: 'JSON data, line 1: {"k":...',
      }),
    );
    assert.equal(m.code, "internal");
    assert.equal(m.message, "database error");
    const cause = m.cause as DatabaseFailure;
    assert.equal(cause.code, "22P05");
    assert.equal(cause.message, "unsupported Unicode escape sequence (SQLSTATE 22P05)");
    const logged = JSON.stringify({ ...cause, message: cause.message, stack: cause.stack });
    assert.doesNotMatch(logged, /insert|json_to_recordset|secret row data|JSON data/);
    assert.equal(stripSql(`select 1 - boom`, "select 1"), "boom", "exact cut with the statement");
    assert.equal(stripSql("relation does not exist"), "relation does not exist", "a plain driver message is kept");
  });

  test("HeraldErrors pass through; withDb maps what it catches", async () => {
    const h = HeraldError.invalid("f", "bad");
    assert.equal(mapDbError(h), h);
    await assert.rejects(
      withDb(async () => Promise.reject(err({ code: "ECONNREFUSED" }))),
      (e: unknown) => e instanceof HeraldError && e.code === "unavailable",
    );
    assert.equal(await withDb(async () => 5), 5);
  });
});
