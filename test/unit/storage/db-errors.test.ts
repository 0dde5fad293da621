import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../../src/domain/errors.js";
import { mapDbError, withDb } from "../../../src/storage/db-errors.js";

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
      assert.equal(m.cause, e, "keeps the cause");
    }
  });

  test("a statement timeout is deadline_exceeded; anything else is internal and leaks no detail", () => {
    assert.equal(mapDbError(err({ code: "57014" })).code, "deadline_exceeded");
    const m = mapDbError(err({ code: "23505", message: "duplicate key value violates unique constraint \"secret_index\"" }));
    assert.equal(m.code, "internal");
    assert.doesNotMatch(m.message, /secret_index/);
  });

  test("HeraldErrors pass through; withDb maps what it catches", async () => {
    const h = HeraldError.invalid("f", "bad");
    assert.equal(mapDbError(h), h);
    await assert.rejects(withDb(async () => Promise.reject(err({ code: "ECONNREFUSED" }))), (e: unknown) => e instanceof HeraldError && e.code === "unavailable");
    assert.equal(await withDb(async () => 5), 5);
  });
});
