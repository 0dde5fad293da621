import assert from "node:assert/strict";
import { request } from "node:http";
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { afterAll, beforeAll, describe, test } from "vitest";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { waitFor } from "../../support/wait.js";
import { devToken, TestClient } from "../../support/ws-client.js";
import { Recorder } from "./sio-client.js";

/** A plain HTTP GET with headers; resolves with the status and body. */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The native endpoint's limits hold for Socket.IO connections (same settings, same hub). */
describe("Socket.IO endpoint: the native endpoint's limits apply", () => {
  let h: TestHeraldWithDatabase;
  let url: string;
  const sockets: Socket[] = [];
  const natives: TestClient[] = [];
  const connect = (opts: Partial<ManagerOptions & SocketOptions> = {}) => {
    const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, ...opts });
    sockets.push(socket);
    return new Recorder(socket);
  };
  const withToken = async (user: string) => connect({ auth: { token: `Bearer ${await devToken(user)}` } });

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, {
      HERALD_WS_ALLOWED_ORIGINS: "https://app.example",
      HERALD_WS_MAX_CONNECTIONS_PER_USER: "2",
      HERALD_WS_AUTH_TIMEOUT_MS: "500",
      HERALD_WS_RATE_LIMIT_PER_SEC: "1",
      HERALD_WS_RATE_BURST: "3",
      HERALD_WS_MAX_FRAME_BYTES: "2048",
    });
    url = `http://127.0.0.1:${h.httpPort}/notifications`;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(natives.map((c) => c.close()));
    await h?.stop();
  });

  test("Origin allowlist at the handshake (403, like the native upgrade); other paths keep their 404", async () => {
    const handshake = "/socket.io/?EIO=4&transport=polling";
    assert.equal((await get(h.httpPort, handshake, { origin: "https://evil.example" })).status, 403);
    const ok = await get(h.httpPort, handshake, { origin: "https://app.example" });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^0\{"sid":/);
    assert.equal(ok.headers["access-control-allow-origin"], "https://app.example", "CORS for browsers' long-polling");
    assert.equal((await get(h.httpPort, handshake)).status, 200, "no Origin: not a browser");
    assert.equal((await get(h.httpPort, "/socket.io/")).status, 400, "Engine.IO's own answer to a request without its parameters");
    const other = await get(h.httpPort, "/socket.iox/");
    assert.equal(other.status, 404);
    assert.equal(other.body, '{"error":"not_found"}');
    const r = connect({ extraHeaders: { origin: "https://evil.example" }, auth: { token: `Bearer ${await devToken("o1")}` } });
    await waitForConnectError(r);
  });

  test("auth deadline: no credentials within HERALD_WS_AUTH_TIMEOUT_MS: `error` deadline_exceeded, then 4502", async () => {
    const r = connect();
    assert.equal(await r.disconnected(), "io server disconnect");
    const errors = r.events.filter((e) => e.name === "error");
    assert.equal(errors[0]!.args[1].code, "deadline_exceeded");
    assert.equal(r.of("herald:close")[0].code, 4502);
  });

  test("the per-user connection cap counts native and Socket.IO connections together", async () => {
    const native = await TestClient.connect(`ws://127.0.0.1:${h.httpPort}/ws`, "capped");
    natives.push(native);
    const first = await withToken("capped");
    await first.wait("session");
    const second = await withToken("capped");
    assert.equal(await second.disconnected(), "io server disconnect");
    assert.equal(second.events.find((e) => e.name === "error")!.args[1].code, "resource_exhausted");
    assert.equal(second.of("herald:close")[0].code, 4505);
    assert.ok(first.socket.connected);
  });

  test("a ban closes Socket.IO connections (BANNED notification, 4506) and refuses new ones", async () => {
    const r = await withToken("banned-one");
    await r.wait("session");
    await h.rpc.banUser({ userId: "banned-one", reason: "spam" });
    const [n] = await r.wait("notification");
    assert.equal(n.code, -3);
    assert.equal(await r.disconnected(), "io server disconnect");
    assert.equal(r.of("herald:close")[0].code, 4506);
    const again = await withToken("banned-one");
    assert.equal(await again.disconnected(), "io server disconnect");
    assert.equal(again.events.find((e) => e.name === "error")!.args[1].code, "permission_denied");
    await h.rpc.unbanUser({ userId: "banned-one" });
  });

  test("DisconnectUser: the stored DISCONNECTED notification, then a close the client may reconnect after (3003)", async () => {
    const r = await withToken("kicked");
    await r.wait("session");
    await h.rpc.disconnectUser({ userId: "kicked", reason: "maintenance" });
    const [n] = await r.wait("notification");
    assert.equal(n.code, -2);
    assert.deepEqual(n.content, { reason: "maintenance" });
    assert.equal(await r.disconnected(), "transport close", "a reconnect-worthy close: socket.io-client would reconnect");
    assert.deepEqual(r.of("herald:close")[0], { code: 3003, reason: "disconnected by the server", reconnect: true });
  });

  test("the request rate limit: refused events get `error` resource_exhausted; a flood closes with 4508", async () => {
    const r = await withToken("flooder");
    await r.wait("session");
    for (let i = 0; i < 20; i++) r.socket.emit("herald", { ping: {} });
    assert.equal(await r.disconnected(), "io server disconnect");
    const refused = r.events.filter((e) => e.name === "error" && e.args[1]?.code === "resource_exhausted");
    assert.ok(refused.length >= 1, "refusals before the close");
    assert.equal(r.of("herald:close")[0].code, 4508);
  });

  test("frame size: an event over HERALD_WS_MAX_FRAME_BYTES closes the connection", async () => {
    const r = await withToken("big");
    await r.wait("session");
    r.socket.emit("message", { channelId: "x", text: "y".repeat(4096) });
    assert.equal(await r.disconnected(), "transport close");
  });
});

async function waitForConnectError(r: Recorder): Promise<void> {
  await waitFor(() => r.connectErrors.length > 0, { message: "connect_error" });
  assert.equal(r.connects, 0);
}

describe("Socket.IO endpoint: single-connection mode spans both endpoints", () => {
  let h: TestHeraldWithDatabase;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_WS_SINGLE_CONNECTION: "true" });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await h?.stop();
  });

  test("a Socket.IO connection replaces a native one, and a newer native one replaces it (4504, no reconnect)", async () => {
    const native = await TestClient.connect(`ws://127.0.0.1:${h.httpPort}/ws`, "solo");
    const socket = io(`http://127.0.0.1:${h.httpPort}/notifications`, {
      transports: ["websocket"],
      forceNew: true,
      auth: { token: `Bearer ${await devToken("solo")}` },
    });
    sockets.push(socket);
    const r = new Recorder(socket);
    await r.wait("session");
    assert.equal(await native.closed, 4504);
    const newer = await TestClient.connect(`ws://127.0.0.1:${h.httpPort}/ws`, "solo");
    assert.equal(await r.disconnected(), "io server disconnect");
    assert.equal(r.of("herald:close")[0].code, 4504);
    await newer.close();
  });
});

describe("Socket.IO endpoint: slow consumer", () => {
  let h: TestHeraldWithDatabase;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_WS_MAX_BUFFERED_BYTES: String(1024 * 1024) });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await h?.stop();
  });

  test("a client that stops reading is cut (3002, a reconnect-worthy close); another client gets everything in order", async () => {
    const connect = async (user: string) => {
      const socket = io(`http://127.0.0.1:${h.httpPort}/notifications`, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        auth: { token: await devToken(user) },
      });
      sockets.push(socket);
      const r = new Recorder(socket);
      await r.wait("session");
      return r;
    };
    const slow = await connect("sio-slow");
    const quick = await connect("sio-quick");
    const tcp = (slow.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();
    const content = { blob: "x".repeat(4096) };
    for (let b = 0; b < 30; b++)
      await h.rpc.sendNotifications({
        notifications: Array.from({ length: 100 }, () => outgoing({ userIds: ["sio-slow", "sio-quick"], code: 1, content })),
      });
    await quick.wait("notification", 3000, 30_000);
    tcp.resume();
    assert.equal(await slow.disconnected(30_000), "transport close");
    assert.ok(slow.of("notification").length < 3000, "the slow client was cut before everything was queued for it");
    assert.deepEqual(
      quick.of("notification").map((n) => n.seq),
      Array.from({ length: 3000 }, (_, i) => i + 1),
    );
  });
});

describe("Socket.IO endpoint: disabled", () => {
  let h: TestHeraldWithDatabase;
  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_SOCKETIO_ENABLED: "false" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test("HERALD_SOCKETIO_ENABLED=false: no route, /socket.io/ is a 404 like any unknown path", async () => {
    const res = await get(h.httpPort, "/socket.io/?EIO=4&transport=polling");
    assert.equal(res.status, 404);
    assert.equal(res.body, '{"error":"not_found"}');
  });
});

/** The admission limits are the node's, not each endpoint's. */
describe("Socket.IO endpoint: the cap on unauthenticated connections is shared with the native endpoint", () => {
  let h: TestHeraldWithDatabase;
  const open: Array<{ close(): unknown }> = [];

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_WS_MAX_UNAUTHENTICATED: "1", HERALD_WS_AUTH_TIMEOUT_MS: "30000" });
  });
  afterAll(async () => {
    for (const c of open) await c.close();
    await h?.stop();
  });

  test("a native connection waiting to authenticate holds the node's one slot: a Socket.IO client is refused", async () => {
    const waiting = new TestClient(h.wsUrl);
    open.push(waiting);
    await waiting.opened;
    const refused = io(`http://127.0.0.1:${h.httpPort}/notifications`, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: { token: `Bearer ${await devToken("eve")}` },
    });
    open.push({ close: () => refused.disconnect() });
    // Either it is refused (`error`) or, were the cap the endpoint's own, its session opens.
    const outcome = await new Promise<string>((resolve) => {
      refused.once("error", (message: unknown) => resolve(String(message)));
      refused.once("session", () => resolve("a session opened"));
    });
    assert.match(outcome, /too many unauthenticated connections/);
  });
});
