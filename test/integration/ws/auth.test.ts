import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, test } from "vitest";
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { devToken, TestClient } from "../../support/ws-client.js";

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

/** Connects with a query token and returns the error frame and the close code. */
async function refused(base: string, token: string): Promise<{ error: any; code: number }> {
  const c = new TestClient(`${base}?token=${encodeURIComponent(token)}`);
  const code = await c.closed;
  const error = c.frames.find((f) => f.error)?.error;
  return { error, code };
}

describe("WebSocket authentication with RS256, issuer and audience pinned", () => {
  let h: TestHeraldWithDatabase;
  let base: string;
  let dir: string;
  let privateKey: CryptoKey;
  let publicPem: string;
  const sign = (claims: Record<string, unknown>, opts: { exp?: number | null; iss?: string; aud?: string; sub?: string } = {}) => {
    let j = new SignJWT(claims).setProtectedHeader({ alg: "RS256" }).setSubject(opts.sub ?? "alice");
    if (opts.exp !== null) j = j.setExpirationTime(opts.exp ?? now() + 600);
    j = j.setIssuer(opts.iss ?? "https://auth.test").setAudience(opts.aud ?? "herald");
    return j.sign(privateKey);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "herald-jwt-"));
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    await writeFile(path.join(dir, "pub.pem"), publicPem);
    h = await startTestHeraldOnNewDatabase(POSTGRES, {
      HERALD_HTTP_PORT: "0",
      HERALD_JWT_PUBLIC_KEY_FILE: path.join(dir, "pub.pem"),
      HERALD_JWT_ALGORITHMS: "RS256",
      HERALD_JWT_ISSUER: "https://auth.test",
      HERALD_JWT_AUDIENCE: "herald",
      HERALD_JWT_CLOCK_TOLERANCE_SEC: "5",
    });
    base = h.wsUrl;
  });
  afterAll(async () => {
    await h?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("a valid RS256 token authenticates (control)", async () => {
    const c = await TestClient.connect(base, "alice", { token: await sign({}) });
    assert.equal(c.frames[0]!.authenticate.userId, "alice");
    await c.close();
  });

  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    [
      "alg none",
      async () =>
        `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "alice", exp: now() + 600, iss: "https://auth.test", aud: "herald" })}.`,
      /algorithm|malformed/,
    ],
    [
      "HS256 signed with the RS public key",
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setSubject("alice")
          .setExpirationTime(now() + 600)
          .setIssuer("https://auth.test")
          .setAudience("herald")
          .sign(new TextEncoder().encode(publicPem)),
      /algorithm not allowed/,
    ],
    ["no exp", () => sign({}, { exp: null }), /exp missing/],
    ["expired beyond the tolerance", () => sign({}, { exp: now() - 60 }), /expired/],
    ["wrong aud", () => sign({}, { aud: "someone-else" }), /aud/],
    ["wrong iss", () => sign({}, { iss: "https://evil.test" }), /iss/],
    ["a garbage string", async () => "not-a-jwt", /malformed/],
    ["sub with NUL", () => sign({}, { sub: "bob\u0000" }), /sub must be a user id/],
    ["sub with a newline", () => sign({}, { sub: "bob\nadmin" }), /sub must be a user id/],
    ["sub with a lone surrogate", () => sign({}, { sub: "bob\ud800" }), /sub must be a user id/],
    ["exp beyond what a date can hold (9e12)", () => sign({}, { exp: 9e12 }), /exp rejected/],
  ];
  for (const [name, make, reason] of cases) {
    test(`refused: ${name} -> unauthenticated error "Invalid authentication token" and close 4501`, async () => {
      const { error, code } = await refused(base, await make());
      assert.equal(code, 4501);
      assert.equal(error.code, "unauthenticated");
      assert.match(error.message, /^Invalid authentication token/);
      assert.match(error.message, reason);
    });
  }

  test("the Authorization header and the first frame are refused the same way", async () => {
    const bad = await sign({}, { exp: now() - 60 });
    const viaHeader = new TestClient(base, { headers: { authorization: `Bearer ${bad}` } });
    assert.equal(await viaHeader.closed, 4501);
    const viaFrame = new TestClient(base);
    await viaFrame.opened;
    const reply = await viaFrame.request({ authenticate: { token: bad } });
    assert.equal(reply.error.code, "unauthenticated");
    assert.equal(await viaFrame.closed, 4501);
  });
});

describe("WebSocket authentication with the HS256 default", () => {
  let h: TestHeraldWithDatabase;
  let base: string;

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, {
      HERALD_HTTP_PORT: "0",
      HERALD_JWT_CLOCK_TOLERANCE_SEC: "0",
      HERALD_WS_AUTH_TIMEOUT_MS: "300",
      HERALD_WS_ALLOWED_ORIGINS: "https://app.example",
    });
    base = h.wsUrl;
  });
  afterAll(() => h?.stop());

  test("a token that expires while connected produces the token-expired event, then close 3004", async () => {
    const c = await TestClient.connect(base, "tess", { token: await devToken("tess", 2) });
    const code = await c.closed;
    assert.equal(code, 3004);
    const last = c.frames[c.frames.length - 1]!;
    assert.equal(last.systemEvent?.code, "SYSTEM_CODE_TOKEN_EXPIRED");
  });

  test("authenticate as the first frame (seed 003), with resume from a seq", async () => {
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["fran"], code: 1 }), outgoing({ userIds: ["fran"], code: 2 })] });
    const c = new TestClient(base);
    await c.opened;
    const early = await c.request({ list: {} });
    assert.equal(early.error.code, "unauthenticated", "operations before authenticate are refused, connection stays");
    const reply = await c.request({ authenticate: { token: await devToken("fran"), lastSeq: "1" } });
    assert.equal(reply.authenticate.userId, "fran");
    assert.equal(reply.authenticate.lastSeq, "2");
    const [n] = await c.waitNotifications(1);
    assert.equal(n!.seq, "2", "only what comes after last_seq");
    const again = await c.request({ authenticate: { token: await devToken("fran") } });
    assert.equal(again.error.code, "failed_precondition");
    await c.close();
  });

  test("requests sent right behind the authenticate frame wait for it instead of failing", async () => {
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["gus"], code: 1 })] });
    const c = new TestClient(base);
    await c.opened;
    const [auth, list, count] = await Promise.all([
      c.request({ authenticate: { token: await devToken("gus") } }),
      c.request({ list: {} }),
      c.request({ unreadCount: {} }),
    ]);
    assert.equal(auth.authenticate.userId, "gus");
    assert.equal(list.list.notifications.length, 1);
    assert.equal(count.unreadCount.unreadCount, 1);
    await c.close();
  });

  test("a resume point beyond the newest stored seq starts at the newest, and the reply shows it", async () => {
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["hal"], code: 1 })] });
    const c = await TestClient.connect(base, "hal", { lastSeq: 99 });
    assert.equal(c.frames[0]!.authenticate.lastSeq, "1");
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["hal"], code: 2 })] });
    const [n] = await c.waitNotifications(1);
    assert.equal(n!.seq, "2", "new notifications are not held back until seq 100");
    await c.close();
  });

  test("no authenticate frame within the auth deadline: error, then close 4502", async () => {
    const c = new TestClient(base);
    await c.opened;
    assert.equal(await c.closed, 4502);
    assert.equal(c.frames[0]!.error.code, "deadline_exceeded");
  });

  test("Origin allowlist: a foreign browser origin is refused before the upgrade, an allowed one passes", async () => {
    const token = await devToken("olga");
    const evil = new TestClient(`${base}?token=${token}`, { headers: { origin: "https://evil.example" } });
    await assert.rejects(evil.opened, /HTTP 403/);
    const good = new TestClient(`${base}?token=${token}`, { headers: { origin: "https://app.example" } });
    await good.opened;
    await good.waitFrame((f) => f.authenticate, "authenticated");
    await good.close();
  });

  test("ban closes the user's connections with 4506, refuses new ones until unbanned; disconnect closes with 3003", async () => {
    const c = await TestClient.connect(base, "bart");
    const banned = await h.rpc.banUser({ userId: "bart", reason: "spam" });
    assert.equal(await c.closed, 4506);
    const pushed = c.notifications().find((n) => n.code === -3);
    assert.equal(pushed?.id, banned.notificationId, "the stored BANNED notification is pushed before the close");
    const refusedConn = new TestClient(`${base}?token=${await devToken("bart")}`);
    assert.equal(await refusedConn.closed, 4506);
    assert.equal(refusedConn.frames[0]!.error.code, "permission_denied");
    await h.rpc.unbanUser({ userId: "bart" });
    const back = await TestClient.connect(base, "bart");
    assert.ok(back.frames[0]!.authenticate);
    await h.rpc.disconnectUser({ userId: "bart", reason: "maintenance" });
    assert.equal(await back.closed, 3003);
    const inbox = await h.rpc.listNotifications({
      userId: "bart",
      query: { limit: 10, cursor: "", direction: 0, unreadOnly: false, systemFilter: 3 },
    });
    assert.deepEqual(
      inbox.page!.notifications.map((n) => n.code),
      [-3, -7, -2],
      "BANNED, UNBANNED and DISCONNECTED are stored",
    );
    assert.deepEqual(inbox.page!.notifications[2]!.content, { reason: "maintenance" });
  });
});
