import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { createPostgresDatabase, type TestDatabase } from "../../support/databases.js";
import { HeraldNode } from "../../support/herald-node.js";
import { devToken, TestClient } from "../../support/ws-client.js";

/** Resolves once the wall clock has passed `at` (the server's expiry timer runs on it too). */
async function until(at: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

describe("refresh: a new token for the open session", () => {
  let db: TestDatabase;
  let node: HeraldNode;

  beforeAll(async () => {
    db = await createPostgresDatabase();
    node = await HeraldNode.start({ nodeId: "refresh", databaseUrl: db.url!, natsUrl: "" });
  });
  afterAll(async () => {
    await node?.cleanup();
    await db?.drop();
  });

  test("refreshing before expiry keeps the session open past the first token's expiry", async () => {
    const c = await TestClient.connect(node.wsUrl, "", { token: await devToken("ref-a", 2) });
    const firstExpiry = Date.parse(c.frames[0]!.authenticate.expireTime);
    const reply = await c.request({ refresh: { token: await devToken("ref-a", 60) } });
    assert.equal(reply.refresh.userId, "ref-a");
    assert.ok(Date.parse(reply.refresh.expireTime) > firstExpiry + 50_000);
    await until(firstExpiry + 1500);
    assert.ok((await c.request({ ping: {} })).ping, "the session still answers");
    assert.equal(c.closeCode, undefined);
    assert.deepEqual(c.systemEvents(), [], "no TOKEN_EXPIRED push");
    await c.close();
  });

  test("a bad token or another user's is refused and the session keeps its old expiry", async () => {
    const c = await TestClient.connect(node.wsUrl, "", { token: await devToken("ref-b", 3) });
    const bad = await c.request({ refresh: { token: "not-a-jwt" } });
    assert.equal(bad.error.code, "unauthenticated");
    const expired = await c.request({ refresh: { token: await devToken("ref-b", -10) } });
    assert.equal(expired.error.code, "unauthenticated");
    const other = await c.request({ refresh: { token: await devToken("ref-other", 60) } });
    assert.equal(other.error.code, "permission_denied");
    assert.equal(other.error.field, "refresh.token");
    assert.ok((await c.request({ ping: {} })).ping, "still open after the refusals");
    assert.equal(await c.closed, 3004, "closed at the first token's expiry (TOKEN_EXPIRED)");
    assert.deepEqual(
      c.systemEvents().map((e) => e.code),
      ["SYSTEM_CODE_TOKEN_EXPIRED"],
    );
  });

  test("a refresh to an earlier expiry closes the session then; before authenticating it is refused", async () => {
    const c = await TestClient.connect(node.wsUrl, "", { token: await devToken("ref-c", 600) });
    const started = Date.now();
    const reply = await c.request({ refresh: { token: await devToken("ref-c", 2) } });
    assert.ok(Date.parse(reply.refresh.expireTime) < started + 3000);
    assert.equal(await c.closed, 3004);

    const anon = new TestClient(node.wsUrl);
    await anon.opened;
    const early = await anon.request({ refresh: { token: await devToken("ref-c", 60) } });
    assert.equal(early.error.code, "unauthenticated");
    await anon.close();
  });
});
