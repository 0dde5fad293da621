import assert from "node:assert/strict";
import { afterAll, afterEach, beforeAll, describe, test } from "vitest";
import { HeraldError, SystemCode } from "../../../clients/typescript/src/index.js";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { MemoryStorage, range, SdkClient } from "../../support/sdk-client.js";
import { waitFor } from "../../support/wait.js";

/**
 * The SDK's inbox against a real Herald node on Postgres: each notification
 * once, the unread count kept current from replies, pushes and sync events
 * (two devices of one user), promise requests with the server's errors.
 */
describe("SDK inbox (real node, real Postgres, ws)", () => {
  let h: TestHeraldWithDatabase;
  const clients: SdkClient[] = [];
  const client = (user: string, o: ConstructorParameters<typeof SdkClient>[2] = {}) => {
    const c = new SdkClient(h.wsUrl, user, o);
    clients.push(c);
    return c;
  };
  const send = (user: string, n: number, persistent = true) =>
    h.rpc.sendNotifications({
      notifications: Array.from({ length: n }, (_, i) => outgoing({ userIds: [user], code: 7, subject: `n${i}`, persistent })),
    });

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test("two devices of one user: each notification once on each, and read/delete/mark-all-read keep both unread counts current", async () => {
    const phone = await client("ann").connect();
    const laptop = await client("ann").connect();
    assert.equal(phone.herald.userId, "ann");
    assert.equal(phone.herald.unreadCount, 0);

    await send("ann", 5);
    await send("ann", 2, false); // ephemeral: no seq, delivered once too
    await phone.waitNotifications(7);
    await laptop.waitNotifications(7);
    await phone.herald.getUnreadCount(); // a round trip: nothing more is on its way
    assert.deepEqual(phone.seqs(), [...range(1, 5), 0, 0]);
    assert.equal(new Set(phone.notifications.map((n) => n.id)).size, 7);
    assert.equal(phone.herald.unreadCount, 5, "five stored unread ones, counted from the pushes");
    assert.equal(laptop.herald.unreadCount, 5);

    const page = await phone.herald.list({ limit: 3 });
    assert.deepEqual(
      page.notifications.map((n) => n.seq),
      ["5", "4", "3"],
      "newest first by default",
    );
    assert.equal(page.hasMore, true);

    const reads: Array<{ ids: string[]; upToSeq?: string }> = [];
    laptop.herald.on("read", (e) => reads.push(e));
    const first = phone.notifications[0]!;
    const r = await phone.herald.markRead([first.id]);
    assert.deepEqual(r, { updatedIds: [first.id], unreadCount: 4 });
    assert.equal(phone.herald.unreadCount, 4);
    await waitFor(() => laptop.herald.unreadCount === 4, { message: "READ_ELSEWHERE reached the laptop" });
    assert.deepEqual(reads, [{ ids: [first.id] }]);
    assert.equal(laptop.system.at(-1)?.code, SystemCode.SYSTEM_CODE_READ_ELSEWHERE);

    const deleted: string[][] = [];
    laptop.herald.on("deleted", (e) => deleted.push(e.ids));
    const second = phone.notifications[1]!;
    const d = await phone.herald.delete([second.id]);
    assert.deepEqual(d, { deletedIds: [second.id], unreadCount: 3 });
    await waitFor(() => deleted.length === 1, { message: "DELETED_ELSEWHERE reached the laptop" });
    assert.deepEqual(deleted, [[second.id]]);
    assert.equal(laptop.herald.unreadCount, 3);

    await laptop.herald.ack([phone.notifications[2]!.id]);
    const all = await laptop.herald.markAllRead();
    assert.deepEqual(all, { updatedCount: 3, unreadCount: 0 });
    await waitFor(() => phone.herald.unreadCount === 0, { message: "mark-all-read reached the phone" });
    assert.equal(await phone.herald.getUnreadCount(), 0);
    assert.deepEqual(phone.unread, [1, 2, 3, 4, 5, 4, 3, 0]);
  });

  test("requests: the server's error comes back as a HeraldError with its code and field; the connection stays", async () => {
    const c = await client("bea").connect();
    const err = await c.herald.list({ limit: 101 }).then(
      () => assert.fail("limit 101 accepted"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof HeraldError);
    assert.equal(err.code, "invalid_argument");
    assert.equal(err.field, "list.limit");
    assert.equal(c.herald.state, "connected");
    assert.deepEqual((await c.herald.list()).notifications, []);
  });

  test("requests made while connecting wait for the connection; while disconnected they fail at once", async () => {
    const c = client("cid");
    await assert.rejects(c.herald.getUnreadCount(), (e: HeraldError) => e.code === "unavailable");
    await send("cid", 2);
    c.herald.connect();
    assert.equal(c.herald.state, "connecting");
    const page = await c.herald.list(); // sent once authenticated
    assert.deepEqual(
      page.notifications.map((n) => n.seq),
      ["2", "1"],
    );
    assert.equal(c.herald.unreadCount, 2, "from the authenticate reply");
  });

  test("a client that starts from a storage resumes where the last one stopped: what it had is not delivered again", async () => {
    const storage = new MemoryStorage();
    const first = await client("dan", { storage }).connect();
    await send("dan", 3);
    await first.waitNotifications(3);
    first.disconnect();
    await send("dan", 2); // while no client runs
    const second = await client("dan", { storage }).connect();
    await second.waitNotifications(2);
    await second.herald.getUnreadCount();
    assert.deepEqual(second.seqs(), [4, 5], "resumed after seq 3 from the storage, nothing twice");
    assert.equal(storage.getItem("herald:dan:inbox"), "5");
  });

  test("a saved seq ahead of the server's store (a database reset) is dropped, and new notifications still arrive", async () => {
    const storage = new MemoryStorage();
    storage.setItem("herald:eve:inbox", "1000");
    const c = await client("eve", { storage }).connect();
    assert.equal(storage.getItem("herald:eve:inbox"), "0");
    await send("eve", 2);
    await c.waitNotifications(2);
    assert.deepEqual(c.seqs(), [1, 2]);
  });

  test("banned: the terminal close stops the client: state disconnected, one error with the server's code, no reconnect", async () => {
    await h.rpc.banUser({ userId: "fay", reason: "spam" });
    const c = client("fay");
    c.herald.connect();
    await c.waitState("disconnected");
    assert.equal(c.errors.length, 1);
    assert.equal(c.errors[0]!.code, "permission_denied");
    assert.equal(c.errors[0]!.closeCode, 4506);
    // No further attempt within many backoff periods (50-400 ms here).
    const sockets = c.sockets;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(c.sockets, sockets);
    assert.equal(sockets, 1);
    assert.deepEqual(c.states, ["connecting", "disconnected"]);
    assert.deepEqual(c.closeCodes, [4506]);
    await h.rpc.unbanUser({ userId: "fay" });
  });

  test("banned while connected: the BANNED notice, then close 4506 ends in disconnected with an error", async () => {
    const c = await client("gus").connect();
    await h.rpc.banUser({ userId: "gus", reason: "abuse" });
    await c.waitState("disconnected");
    assert.equal(c.notifications.at(-1)?.code, SystemCode.SYSTEM_CODE_BANNED);
    assert.equal(c.errors.at(-1)?.closeCode, 4506);
    assert.equal(c.errors.at(-1)?.code, "permission_denied");
    await h.rpc.unbanUser({ userId: "gus" });
  });

  test("a bad token: close 4501, state disconnected with an unauthenticated error, one socket only", async () => {
    const c = client("hal", { getToken: async () => "not-a-jwt" });
    c.herald.connect();
    await c.waitState("disconnected");
    assert.equal(c.errors.at(-1)?.code, "unauthenticated");
    assert.equal(c.errors.at(-1)?.closeCode, 4501);
    assert.equal(c.sockets, 1);
  });

  test("an operator's disconnect (3003, reconnect class): the client comes back by itself and resumes", async () => {
    const c = await client("ida").connect();
    await send("ida", 2);
    await c.waitNotifications(2);
    await h.rpc.disconnectUser({ userId: "ida", reason: "maintenance" });
    await waitFor(() => c.states.length >= 3 && c.herald.state === "connected", { message: "reconnected after 3003" });
    await send("ida", 1);
    await c.waitNotifications(4);
    await c.herald.getUnreadCount();
    assert.deepEqual(c.seqs(), [1, 2, 3, 4], "the stored DISCONNECTED notice (seq 3) and the new one, each once");
    assert.equal(c.notifications[2]!.code, SystemCode.SYSTEM_CODE_DISCONNECTED);
    assert.deepEqual(c.states, ["connecting", "connected", "connecting", "connected"]);
    assert.deepEqual(c.closeCodes, [3003]);
    assert.equal(c.errors.length, 0);
  });

  test("inboxFilter: only matching notifications are pushed to this client", async () => {
    const c = await client("jon", { inboxFilter: { in: { _code: [5] } } }).connect();
    await h.rpc.sendNotifications({
      notifications: [4, 5, 6, 5].map((code) => outgoing({ userIds: ["jon"], code, subject: `code ${code}` })),
    });
    await c.waitNotifications(2);
    await c.herald.getUnreadCount();
    assert.deepEqual(
      c.notifications.map((n) => [n.seq, n.code]),
      [
        ["2", 5],
        ["4", 5],
      ],
    );
  });
});
