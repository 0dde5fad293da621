import assert from "node:assert/strict";
import { afterAll, afterEach, beforeAll, describe, test } from "vitest";
import { SystemCode } from "../../../clients/typescript/src/index.js";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { SdkClient } from "../../support/sdk-client.js";
import { waitFor } from "../../support/wait.js";
import { devToken } from "../../support/ws-client.js";

/** A token's `exp` (ms). */
function expOf(token: string): number {
  return (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { exp: number }).exp * 1000;
}

/**
 * In-band token refresh against a real node, with 3-second tokens and no
 * clock tolerance: the SDK refreshes ahead of expiry on the same socket.
 */
describe("SDK token refresh (real node, 3 s tokens)", () => {
  let h: TestHeraldWithDatabase;
  const clients: SdkClient[] = [];
  const client = (user: string, o: ConstructorParameters<typeof SdkClient>[2] = {}) => {
    const c = new SdkClient(h.wsUrl, user, o);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_JWT_CLOCK_TOLERANCE_SEC: "0" });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test("getToken is called ahead of expiry and the session stays open on the same socket past the first token's expiry", async () => {
    const tokens: string[] = [];
    const c = client("rae", {
      getToken: async () => {
        const t = await devToken("rae", 3);
        tokens.push(t);
        return t;
      },
    });
    await c.connect();
    const firstExpiry = expOf(tokens[0]!);
    await waitFor(() => Date.now() > firstExpiry + 2_000 && tokens.length >= 3, {
      timeoutMs: 15_000,
      message: `two refreshes and 2 s past the first expiry (tokens: ${tokens.length})`,
    });
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["rae"], subject: "after expiry" })] });
    await c.waitNotifications(1);
    assert.equal(c.notifications[0]!.subject, "after expiry");
    assert.equal(c.sockets, 1, "one socket: no reconnect");
    assert.deepEqual(c.states, ["connecting", "connected"]);
    assert.deepEqual(c.errors, []);
    assert.ok(!c.system.some((e) => e.code === SystemCode.SYSTEM_CODE_TOKEN_EXPIRED));
  });

  test("a refused refresh (another user's token) is an error event; the session goes on, and at expiry the TOKEN_EXPIRED push brings a new token and a resumed session", async () => {
    let calls = 0;
    const c = client("sol", {
      getToken: async () => {
        calls++;
        return devToken(calls === 2 ? "someone-else" : "sol", 3);
      },
    });
    await c.connect();
    await waitFor(() => c.errors.length === 1, { timeoutMs: 10_000, message: "the refused refresh" });
    assert.equal(c.errors[0]!.code, "permission_denied");
    assert.match(c.errors[0]!.message, /token refresh failed/);
    assert.equal(c.herald.state, "connected", "the session stays open");
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["sol"], subject: "before expiry" })] });
    await c.waitNotifications(1);

    await waitFor(() => c.system.some((e) => e.code === SystemCode.SYSTEM_CODE_TOKEN_EXPIRED), {
      timeoutMs: 10_000,
      message: "TOKEN_EXPIRED",
    });
    await waitFor(() => c.sockets === 2 && c.herald.state === "connected", {
      timeoutMs: 10_000,
      message: "reconnected with a fresh token",
    });
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["sol"], subject: "after" })] });
    await c.waitNotifications(2);
    await c.herald.getUnreadCount();
    assert.deepEqual(
      c.notifications.map((n) => n.subject),
      ["before expiry", "after"],
    );
    assert.equal(c.herald.userId, "sol");
  });

  test("a fixed token cannot be refreshed: at expiry the session closes (3004), the reconnect is refused (4501) and the client stops with an error", async () => {
    const token = await devToken("tia", 2);
    const c = client("tia", { token, getToken: undefined });
    await c.connect();
    await c.waitState("disconnected", 15_000);
    assert.ok(c.system.some((e) => e.code === SystemCode.SYSTEM_CODE_TOKEN_EXPIRED));
    assert.equal(c.errors.at(-1)?.code, "unauthenticated");
    assert.equal(c.errors.at(-1)?.closeCode, 4501);
    assert.equal(c.sockets, 2);
  });
});
