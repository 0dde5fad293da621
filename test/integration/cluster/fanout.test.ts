import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { startCluster, type TestCluster } from "../../support/cluster-setup.js";
import { POSTGRES, type TestDatabase } from "../../support/databases.js";
import { withDiagnostics } from "../../support/diagnostics.js";
import { listAll, outgoing } from "../../support/grpc.js";
import { NatsCluster } from "../../support/nats-cluster.js";
import { devToken, TestClient } from "../../support/ws-client.js";
import { waitFor } from "../../support/wait.js";

/**
 * Fan-out between Herald nodes (child processes) over a real 3-server NATS
 * cluster, on one real Postgres database: cross-node delivery, cluster-wide
 * disconnect and ban, and single-connection mode across nodes.
 */

const APP_CODE = 5;
const appNotifications = (c: TestClient) => c.notifications().filter((n) => n.code === APP_CODE);

/** A round trip on the connection: every push sent before the reply has arrived. */
async function flush(c: TestClient): Promise<void> {
  const r = await c.request({ ping: {} });
  assert.ok(r.ping, `ping answered ${JSON.stringify(r)}`);
}

describe("cluster fan-out: 3 Herald nodes, 3-server NATS cluster, real Postgres", () => {
  let nats: NatsCluster;
  let db: TestDatabase;

  beforeAll(async () => {
    nats = await NatsCluster.start();
    db = await POSTGRES.create();
  });
  afterAll(async () => {
    await nats?.cleanup();
    await db?.drop();
  });

  describe("default mode", () => {
    let cl: TestCluster;
    const open: TestClient[] = [];
    const connect = async (nodeIndex: number, user: string, opts: { lastSeq?: number } = {}) => {
      const c = await TestClient.connect(cl.nodes[nodeIndex]!.wsUrl, user, opts);
      open.push(c);
      return c;
    };

    beforeAll(async () => {
      cl = await startCluster({ nats, db });
    });
    afterAll(async () => {
      await Promise.allSettled(open.map((c) => c.close()));
      await cl?.cleanup();
    });

    test("a user connected to node A receives persistent and ephemeral notifications sent through node B's and node C's gRPC, each once", async () => {
      await withDiagnostics([cl], async () => {
        const [, b, c] = cl.nodes;
        const ann = await connect(0, "ann");
        const sent: string[] = [];
        const send = async (via: typeof b, persistent: boolean, ref: string) => {
          const r = await via!.rpc.sendNotifications({
            notifications: [outgoing({ userIds: ["ann"], code: APP_CODE, persistent, content: { ref } })],
          });
          sent.push(r.results[0]!.notificationId);
          await ann.waitFrame((f) => f.notification?.content?.ref === ref, `${ref} on node A`);
        };
        await send(b, true, "persistent via B");
        await send(c, true, "persistent via C");
        await send(b, false, "ephemeral via B");
        await send(c, false, "ephemeral via C");
        await send(b, true, "persistent via B again");
        await flush(ann);
        const got = appNotifications(ann);
        assert.deepEqual(
          got.map((n) => n.id),
          sent,
          "each notification once, in send order",
        );
        assert.deepEqual(
          got.filter((n) => n.persistent).map((n) => Number(n.seq)),
          [1, 2, 3],
          "persistent ones gapless and in order",
        );
        assert.ok(
          got.filter((n) => !n.persistent).every((n) => n.seq === undefined || n.seq === "0"),
          "ephemeral ones carry no seq",
        );
        assert.ok(got.every((n) => n.userId === "ann"));
      });
    });

    test("a user connected to all three nodes gets every notification on each connection exactly once, whichever node sent it (no echo of a node's own publish)", async () => {
      await withDiagnostics([cl], async () => {
        const conns = [await connect(0, "bob"), await connect(1, "bob"), await connect(2, "bob")];
        const ids: string[] = [];
        for (let round = 0; round < 3; round++) {
          for (let via = 0; via < 3; via++) {
            const persistent = round !== 1;
            const r = await cl.nodes[via]!.rpc.sendNotifications({
              notifications: [outgoing({ userIds: ["bob"], code: APP_CODE, persistent, content: { ref: `r${round}-n${via}` } })],
            });
            ids.push(r.results[0]!.notificationId);
            // Waiting makes the order of the ephemeral ones (no seq) well defined.
            for (const c of conns) await c.waitFrame((f) => f.notification?.id === ids[ids.length - 1], `bob gets r${round}-n${via}`);
          }
        }
        for (const [i, c] of conns.entries()) {
          await flush(c);
          assert.deepEqual(
            appNotifications(c).map((n) => n.id),
            ids,
            `connection on node ${cl.nodes[i]!.nodeId}: each once, in order`,
          );
        }
      });
    });

    test("notifications to many users sent through B and C reach their connections on A, B and C; nobody gets another user's", async () => {
      await withDiagnostics([cl], async () => {
        const users = Array.from({ length: 30 }, (_, i) => `many-${i}`);
        const conns = await Promise.all(users.map((u, i) => connect(i % 3, u)));
        const perUser = 4;
        for (let k = 0; k < perUser; k++) {
          const via = cl.nodes[1 + (k % 2)]!;
          await via.rpc.sendNotifications({
            notifications: users.map((u) => outgoing({ userIds: [u], code: APP_CODE, content: { ref: `${u}-${k}` } })),
          });
        }
        for (const [i, c] of conns.entries()) {
          await c.waitNotifications(perUser);
          await flush(c);
          const got = appNotifications(c);
          assert.deepEqual(
            got.map((n) => n.content.ref),
            Array.from({ length: perUser }, (_, k) => `${users[i]}-${k}`),
          );
          assert.deepEqual(
            got.map((n) => Number(n.seq)),
            [1, 2, 3, 4],
          );
        }
      });
    });

    test("DisconnectUser through node B closes the user's connections on every node with 3003; they may reconnect", async () => {
      await withDiagnostics([cl], async () => {
        const conns = [await connect(0, "dora"), await connect(1, "dora"), await connect(2, "dora")];
        const other = await connect(0, "not-dora");
        const res = await cl.nodes[1]!.rpc.disconnectUser({ userId: "dora", reason: "maintenance" });
        assert.deepEqual(await Promise.all(conns.map((c) => c.closed)), [3003, 3003, 3003]);
        for (const c of conns)
          assert.equal(
            c.notifications().find((n) => n.code === -2)?.id,
            res.notificationId,
            "the stored DISCONNECTED notification is pushed before the close",
          );
        await flush(other);
        assert.equal(other.closeCode, undefined, "another user's connection stays open");
        for (let i = 0; i < 3; i++) {
          const back = await connect(i, "dora");
          assert.ok(back.frames[0]!.authenticate, `dora reconnects to node ${cl.nodes[i]!.nodeId}`);
        }
      });
    });

    test("BanUser through node C closes the user's connections on every node with 4506; new connections on every node are refused until UnbanUser (through A)", async () => {
      await withDiagnostics([cl], async () => {
        const conns = [await connect(0, "bart"), await connect(1, "bart"), await connect(2, "bart")];
        const res = await cl.nodes[2]!.rpc.banUser({ userId: "bart", reason: "spam" });
        assert.deepEqual(await Promise.all(conns.map((c) => c.closed)), [4506, 4506, 4506]);
        for (const c of conns)
          assert.equal(
            c.notifications().find((n) => n.code === -3)?.id,
            res.notificationId,
            "the stored BANNED notification is pushed before the close",
          );
        for (const node of cl.nodes) {
          const refused = new TestClient(`${node.wsUrl}?token=${encodeURIComponent(await devToken("bart"))}`);
          open.push(refused);
          assert.equal(await refused.closed, 4506, `node ${node.nodeId} refuses the banned user`);
          assert.equal(refused.frames[0]?.error?.code, "permission_denied");
          assert.equal(
            refused.frames.some((f) => f.authenticate),
            false,
          );
        }
        await cl.nodes[0]!.rpc.unbanUser({ userId: "bart" });
        for (let i = 0; i < 3; i++)
          assert.ok((await connect(i, "bart")).frames[0]!.authenticate, `node ${cl.nodes[i]!.nodeId} accepts bart again`);
        const stored = await listAll(cl.nodes[1]!.rpc, "bart", { systemFilter: 3 });
        assert.deepEqual(
          stored.map((n) => n.code),
          [-3, -7],
          "BANNED and UNBANNED are stored once each",
        );
      });
    });
  });

  describe("single-connection mode (HERALD_WS_SINGLE_CONNECTION=true) on every node", () => {
    let cl: TestCluster;
    const open: TestClient[] = [];

    beforeAll(async () => {
      cl = await startCluster({ nats, db, nodeIds: ["s1", "s2", "s3"], env: { HERALD_WS_SINGLE_CONNECTION: "true" } });
    });
    afterAll(async () => {
      await Promise.allSettled(open.map((c) => c.close()));
      await cl?.cleanup();
    });

    test("a second connection landing on another node closes the first with 4504 (SESSION_REPLACED); the newest one keeps receiving", async () => {
      await withDiagnostics([cl], async () => {
        const [n1, n2, n3] = cl.nodes;
        const first = await TestClient.connect(n1!.wsUrl, "solo");
        open.push(first);
        const second = await TestClient.connect(n2!.wsUrl, "solo");
        open.push(second);
        assert.equal(await first.closed, 4504);
        assert.ok(
          first.systemEvents().some((e) => e.code === "SYSTEM_CODE_SESSION_REPLACED"),
          `SESSION_REPLACED pushed: ${JSON.stringify(first.systemEvents())}`,
        );
        await flush(second);
        assert.equal(second.closeCode, undefined, "the newer connection stays");

        // A notification sent through the third node reaches only the live connection.
        const r = await n3!.rpc.sendNotifications({
          notifications: [outgoing({ userIds: ["solo"], code: APP_CODE, content: { ref: "after-replace" } })],
        });
        await second.waitFrame((f) => f.notification?.id === r.results[0]!.notificationId, "notification on the live connection");

        // And again from the third node: the second one is replaced in turn.
        const third = await TestClient.connect(n3!.wsUrl, "solo");
        open.push(third);
        assert.equal(await second.closed, 4504);
        await flush(third);
        assert.equal(third.closeCode, undefined);
        // Another user's connection on the same nodes is untouched.
        const other = await TestClient.connect(n1!.wsUrl, "solo-other");
        open.push(other);
        const other2 = await TestClient.connect(n2!.wsUrl, "solo-other2");
        open.push(other2);
        await flush(other);
        await flush(third);
        assert.equal(other.closeCode, undefined);
        assert.equal(third.closeCode, undefined);
      });
    });
  });

  describe("per-user connection cap across nodes (HERALD_WS_MAX_CONNECTIONS_PER_USER=2)", () => {
    let cl: TestCluster;
    const open: TestClient[] = [];

    beforeAll(async () => {
      cl = await startCluster({ nats, db, nodeIds: ["m1", "m2", "m3"], env: { HERALD_WS_MAX_CONNECTIONS_PER_USER: "2" } });
    });
    afterAll(async () => {
      await Promise.allSettled(open.map((c) => c.close()));
      await cl?.cleanup();
    });

    test("with one connection on each of two nodes, a third on the third node is refused with 4505; after one closes, it is accepted", async () => {
      await withDiagnostics([cl], async () => {
        const [m1, m2, m3] = cl.nodes;
        const c1 = await TestClient.connect(m1!.wsUrl, "capped");
        const c2 = await TestClient.connect(m2!.wsUrl, "capped");
        open.push(c1, c2);
        const refused = new TestClient(`${m3!.wsUrl}?token=${encodeURIComponent(await devToken("capped"))}`);
        open.push(refused);
        assert.equal(await refused.closed, 4505);
        assert.equal(refused.frames[0]?.error?.code, "resource_exhausted");
        // Other users are not affected.
        open.push(await TestClient.connect(m3!.wsUrl, "capped-other"));
        await c1.close();
        const third = await waitFor(
          async () => {
            const c = new TestClient(`${m3!.wsUrl}?token=${encodeURIComponent(await devToken("capped"))}`);
            open.push(c);
            await c.opened;
            const f = await c.waitFrame((x) => x.authenticate !== undefined || x.error !== undefined, "authenticate or error");
            return f.authenticate !== undefined && c;
          },
          { timeoutMs: 10_000, intervalMs: 100, message: "a connection on m3 is accepted once c1 has closed" },
        );
        await flush(third);
        await flush(c2);
        assert.equal(c2.closeCode, undefined);
      });
    });
  });
});
