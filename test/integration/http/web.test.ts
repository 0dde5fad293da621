import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { createPostgresDatabase, type TestDatabase } from "../../support/databases.js";
import { PRODUCTION_ENV } from "../../support/config-checks.js";
import { HeraldNode } from "../../support/herald-node.js";
import { TestClient } from "../../support/ws-client.js";

async function postJson(url: string, body: string): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe("web app, /config.json and the development token endpoint", () => {
  let db: TestDatabase;
  let dev: HeraldNode;
  let prod: HeraldNode;
  let devBase: string;
  let prodBase: string;

  beforeAll(async () => {
    db = await createPostgresDatabase();
    dev = await HeraldNode.start({ nodeId: "web-dev", databaseUrl: db.url!, natsUrl: "" });
    prod = await HeraldNode.start({ nodeId: "web-prod", databaseUrl: db.url!, natsUrl: "", env: { ...PRODUCTION_ENV } });
    devBase = `http://127.0.0.1:${dev.httpPort}`;
    prodBase = `http://127.0.0.1:${prod.httpPort}`;
  });
  afterAll(async () => {
    await dev?.cleanup();
    await prod?.cleanup();
    await db?.drop();
  });

  test("the page is served at / with its assets, a CSP and no directory access", async () => {
    const res = await fetch(`${devBase}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/html/);
    assert.match(res.headers.get("content-security-policy")!, /script-src 'self'/);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script[^>]*src="\.?\/?([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(scripts.length > 0, "the page loads a script");
    for (const src of scripts) {
      const asset = await fetch(`${devBase}/${src}`);
      assert.equal(asset.status, 200, src);
      assert.match(asset.headers.get("content-type")!, /^text\/javascript/);
      await asset.arrayBuffer();
    }
    for (const path of ["/../package.json", "/%2e%2e/package.json", "/index.html/", "/web/"]) {
      const r = await fetch(`${devBase}${path}`);
      assert.equal(r.status, 404, path);
      await r.arrayBuffer();
    }
    const post = await fetch(`${devBase}/`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.arrayBuffer();
  });

  test("development: /config.json names the mode, and /dev/token mints a token the WebSocket accepts", async () => {
    assert.deepEqual(await (await fetch(`${devBase}/config.json`)).json(), {
      mode: "development",
      wsPath: "/ws",
      devTokenPath: "/dev/token",
    });
    const before = Date.now();
    const { status, json } = await postJson(`${devBase}/dev/token`, JSON.stringify({ userId: "web-alice", ttlSeconds: 120 }));
    assert.equal(status, 200);
    assert.equal(json.userId, "web-alice");
    const expires = Date.parse(json.expireTime);
    assert.ok(expires > before + 118_000 && expires <= Date.now() + 120_000, json.expireTime);
    const c = await TestClient.connect(dev.wsUrl, "", { token: json.token });
    assert.equal(c.frames[0]!.authenticate.userId, "web-alice");
    assert.equal(c.frames[0]!.authenticate.expireTime, new Date(expires).toISOString());
    await c.close();
  });

  test("development: a bad /dev/token request is refused naming the field", async () => {
    const cases: Array<[string, number, string | undefined]> = [
      ["not json", 400, "body"],
      ["[]", 400, "body"],
      ["{}", 400, "userId"],
      [JSON.stringify({ userId: "a\u0000b" }), 400, "userId"],
      [JSON.stringify({ userId: "bob", ttlSeconds: 0 }), 400, "ttlSeconds"],
      [JSON.stringify({ userId: "bob", ttlSeconds: 86_401 }), 400, "ttlSeconds"],
      [JSON.stringify({ userId: "x".repeat(2000) }), 413, undefined],
    ];
    for (const [body, status, field] of cases) {
      const r = await postJson(`${devBase}/dev/token`, body);
      assert.equal(r.status, status, body.slice(0, 40));
      assert.equal(r.json.field, field, body.slice(0, 40));
    }
    const get = await fetch(`${devBase}/dev/token`);
    assert.equal(get.status, 405);
    await get.arrayBuffer();
  });

  test("production: no /dev/token, and /config.json says so", async () => {
    const r = await postJson(`${prodBase}/dev/token`, JSON.stringify({ userId: "web-alice" }));
    assert.equal(r.status, 404);
    assert.deepEqual(await (await fetch(`${prodBase}/config.json`)).json(), { mode: "production", wsPath: "/ws", devTokenPath: null });
  });
});
