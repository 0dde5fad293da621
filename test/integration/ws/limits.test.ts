import assert from "node:assert/strict";
import { afterAll, describe, test } from "vitest";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHerald, type TestHeraldWithDatabase } from "../../support/herald.js";
import { devToken, TestClient } from "../../support/ws-client.js";
import { waitFor } from "../../support/wait.js";

/** Each test starts its own node with the limits it exercises. */
const started: TestHeraldWithDatabase[] = [];
async function node(env: Record<string, string>): Promise<{ h: TestHerald; base: string }> {
  const h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_HTTP_PORT: "0", ...env });
  started.push(h);
  return { h, base: h.wsUrl };
}

describe("WebSocket limits and hygiene", () => {
  afterAll(async () => {
    for (const h of started) await h.stop();
  });

  test("slow consumer: a client that stops reading is closed with 3002, memory stays bounded, a normal client gets everything", async () => {
    const { h, base } = await node({ HERALD_WS_MAX_BUFFERED_BYTES: String(1024 * 1024) });
    const slow = await TestClient.connect(base, "slowpoke");
    const normal = await TestClient.connect(base, "quick");
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const content = { blob: "x".repeat(4096) };
    for (let b = 0; b < 30; b++) {
      await h.rpc.sendNotifications({
        notifications: Array.from({ length: 100 }, () => outgoing({ userIds: ["slowpoke", "quick"], code: 1, content })),
      });
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
    await normal.waitNotifications(3000, 30_000);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    assert.equal(await slow.closed, 3002);
    assert.ok(slow.notifications().length < 3000, "the slow client was cut before everything was queued for it");
    // 3,000 x 4 KiB x 2 users = ~24 MiB sent; the server holds at most ~1 MiB per slow connection.
    const growthMiB = (rssPeak - rssBefore) / 1024 / 1024;
    assert.ok(growthMiB < 200, `RSS grew by ${growthMiB.toFixed(0)} MiB (bound 200 MiB, test process included)`);
    assert.deepEqual(
      normal.notifications().map((n) => Number(n.seq)),
      Array.from({ length: 3000 }, (_, i) => i + 1),
    );
    await normal.close();
  });

  test("heartbeat: a peer that stops answering pings is cut; a live one stays", async () => {
    const { base } = await node({ HERALD_WS_HEARTBEAT_MS: "500" });
    const token = await devToken("hb");
    const dead = new TestClient(`${base}?token=${token}`, { autoPong: false });
    const live = await TestClient.connect(base, "hb");
    await dead.opened;
    assert.equal(await dead.closed, 3001, "closed with the heartbeat-timeout code");
    assert.ok((await live.request({ ping: {} })).ping);
    assert.equal(live.closeCode, undefined);
    await live.close();
  });

  test("per-user connection cap: the connection over the cap gets resource_exhausted and close 4505; the others stay", async () => {
    const { base } = await node({ HERALD_WS_MAX_CONNECTIONS_PER_USER: "2" });
    const a = await TestClient.connect(base, "cap");
    const b = await TestClient.connect(base, "cap");
    const c = new TestClient(`${base}?token=${await devToken("cap")}`);
    assert.equal(await c.closed, 4505);
    assert.equal(c.frames[0]!.error.code, "resource_exhausted");
    assert.ok((await a.request({ ping: {} })).ping);
    await b.close();
    const d = await TestClient.connect(base, "cap");
    assert.ok(d.frames[0]!.authenticate, "a slot freed by a close can be taken");
    await a.close();
    await d.close();
  });

  test("single-connection mode: the older connection gets SESSION_REPLACED, then close 4504", async () => {
    const { h, base } = await node({ HERALD_WS_SINGLE_CONNECTION: "true" });
    const older = await TestClient.connect(base, "solo");
    const newer = await TestClient.connect(base, "solo");
    assert.equal(await older.closed, 4504);
    assert.equal(older.frames[older.frames.length - 1]!.systemEvent.code, "SYSTEM_CODE_SESSION_REPLACED");
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["solo"], code: 1 })] });
    await newer.waitNotifications(1);
    assert.equal(newer.closeCode, undefined);
    await newer.close();
  });

  test("rate limit: excess requests get resource_exhausted, a sustained flood closes with 4508", async () => {
    const { base } = await node({ HERALD_WS_RATE_LIMIT_PER_SEC: "5", HERALD_WS_RATE_BURST: "5" });
    const c = await TestClient.connect(base, "flood");
    const replies = await Promise.all(Array.from({ length: 8 }, () => c.request({ ping: {} })));
    const limited = replies.filter((r) => r.error?.code === "resource_exhausted").length;
    assert.ok(limited >= 2 && limited <= 3, `${limited} of 8 refused`);
    for (let i = 0; i < 50; i++) c.sendRaw(JSON.stringify({ id: 1000 + i, ping: {} }));
    assert.equal(await c.closed, 4508);
  });

  test("a paced flood (20x the rate, some requests accepted in between) closes with 4508 once more than the burst were refused within 10 s", async () => {
    const { base } = await node({ HERALD_WS_RATE_LIMIT_PER_SEC: "10", HERALD_WS_RATE_BURST: "20" });
    const c = await TestClient.connect(base, "paced");
    let sent = 0;
    // 200 requests/s: after the burst, one request in 20 finds a token, so refusals never run 20 in a row.
    const pacer = setInterval(() => {
      if (c.ws.readyState !== c.ws.OPEN || sent >= 1000) return clearInterval(pacer);
      c.sendRaw(JSON.stringify({ id: ++sent, ping: {} }));
    }, 5);
    try {
      assert.equal(await c.closed, 4508);
    } finally {
      clearInterval(pacer);
    }
    const answered = c.frames.filter((f) => f.ping).length;
    const refused = c.frames.filter((f) => f.error?.code === "resource_exhausted").length;
    assert.ok(answered > 20, `accepted requests were answered (${answered}) before the close`);
    assert.ok(refused >= 20 && refused <= 21, `closed at the 21st refusal (${refused} refusals answered)`);
  });

  test("a frame over the size limit closes the connection with 1009", async () => {
    const { base } = await node({ HERALD_WS_MAX_FRAME_BYTES: "4096" });
    const c = await TestClient.connect(base, "big");
    c.sendRaw(JSON.stringify({ id: 1, list: { cursor: "x".repeat(5000) } }));
    assert.equal(await c.closed, 1009);
    await waitFor(() => c.ws.readyState === c.ws.CLOSED);
  });
});
