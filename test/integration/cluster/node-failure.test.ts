import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import pg from "pg";
import { startCluster, type TestCluster } from "../../support/cluster-setup.js";
import { assertClean } from "../../support/delivery-assertions.js";
import { DeliveryChecker, percentile, summarize } from "../../support/delivery-checker.js";
import { withDiagnostics } from "../../support/diagnostics.js";
import { flushClients, startClients, stopClients } from "../../support/logical-client.js";
import { sendTracked, type TrackedItem } from "../../support/tracked-sends.js";
import { waitFor } from "../../support/wait.js";

/**
 * Herald nodes die (SIGKILL) or are drained (SIGTERM) while notifications are
 * in flight; their clients reconnect to the other nodes with their last seq
 * and resume. Nothing answered OK may be lost.
 */

/** `rounds` notifications to each user, round by round, cut into batches of `batchSize`. */
function plan(users: readonly string[], rounds: number, batchSize: number, tag: string): TrackedItem[][] {
  const items: TrackedItem[] = [];
  for (let r = 0; r < rounds; r++) for (const u of users) items.push({ userId: u, ref: `${tag}-${u}-${r}` });
  const batches: TrackedItem[][] = [];
  for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
  return batches;
}

describe("Herald node failure: 3 nodes, 3-server NATS cluster, real Postgres", () => {
  let cl: TestCluster;

  beforeAll(async () => {
    cl = await startCluster();
  });
  afterAll(() => cl?.cleanup());

  test("SIGKILL one node while 10,000 persistent notifications to 1,000 users are in flight: its clients reconnect elsewhere and resume; 0 lost, 0 duplicated after dedupe", {
    timeout: 180_000,
  }, async () => {
    await withDiagnostics([cl], async () => {
      const [a, b, c] = cl.nodes as [(typeof cl.nodes)[0], (typeof cl.nodes)[0], (typeof cl.nodes)[0]];
      const checker = new DeliveryChecker();
      const users = Array.from({ length: 1000 }, (_, i) => `k${String(i).padStart(4, "0")}`);
      // Clients of a lost node spread over the two others.
      const clients = cl.clientsFor(users, checker, (i) => ({ reconnectStep: 1 + (Math.floor(i / 3) % 2) }));
      await startClients(clients);
      const onA = clients.filter((cli) => cli.url === a.wsUrl);
      assert.equal(onA.length, 334);

      const batches = plan(users, 10, 100, "kill");
      assert.equal(batches.length, 100);
      const senders = [b.rpc, c.rpc];
      const KILL_AFTER = 30;
      let done = 0;
      let next = 0;
      let killedAt = -1;
      let killed: Promise<unknown> | undefined;
      const failures: string[] = [];
      const worker = async (w: number) => {
        for (;;) {
          const i = next++;
          if (i >= batches.length) return;
          let res = await sendTracked(checker, senders[(i + w) % 2]!, batches[i]!);
          // A client retries a failed call with the same idempotency keys (none is expected here).
          for (let attempt = 1; !res.ok && attempt <= 3; attempt++) {
            failures.push(`${res.err?.code} ${res.err?.details}`);
            res = await sendTracked(checker, senders[(i + w + attempt) % 2]!, batches[i]!);
          }
          done++;
          if (done === KILL_AFTER) {
            killedAt = done;
            killed = a.kill();
          }
        }
      };
      const t0 = performance.now();
      await Promise.all([0, 1, 2, 3].map(worker));
      const sendMs = performance.now() - t0;
      assert.equal(await killed, "SIGKILL");
      assert.ok(killedAt > 0 && killedAt < batches.length, "the node was killed mid-stream");
      assert.deepEqual(failures, [], "sends through the surviving nodes all succeed");

      // Every client of the killed node is back in session on another node, and everything arrived.
      await waitFor(() => onA.every((cli) => cli.open && cli.url !== a.wsUrl), {
        timeoutMs: 60_000,
        message: "clients of the killed node back on B or C",
      });
      await waitFor(() => checker.report().lost === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
        message: `0 lost (${summarize(checker.report())})`,
      });
      await flushClients(clients);
      const r = checker.report();
      const reconnects = onA.flatMap((cli) => cli.reconnectMs);
      console.log(
        `[SIGKILL node a] sent 10,000 in ${Math.round(sendMs)} ms (killed after batch ${killedAt}/100); ` +
          `raw duplicates ${r.duplicatedRaw}; reconnects ${reconnects.length}, ` +
          `p50 ${Math.round(percentile(reconnects, 50))} ms, p99 reconnect ${Math.round(percentile(reconnects, 99))} ms, ` +
          `max ${Math.round(Math.max(...reconnects))} ms; failed connect attempts ${onA.reduce((s, x) => s + x.failedAttempts, 0)}`,
      );
      console.log(`[SIGKILL node a] ${summarize(r)}`);
      assert.equal(r.okSent, 10_000);
      assert.equal(r.persistentOkSent, 10_000);
      assertClean(r, "after SIGKILL of node a", ["deliveredAfterError"]);
      assert.equal(r.deliveries - r.duplicatedRaw, 10_000, "each client has each of its 10 notifications once after dedupe");
      assert.ok(
        onA.every((cli) => cli.closes.length >= 1 && cli.closes[0]!.code === 1006),
        "clients of the killed node saw an abnormal close",
      );
      assert.ok(reconnects.length >= onA.length);
      const others = clients.filter((cli) => !onA.includes(cli));
      assert.ok(
        others.every((cli) => cli.closes.length === 0),
        "clients of B and C kept their connections",
      );
      const moved = new Map<string, number>();
      for (const cli of onA) moved.set(cli.url, (moved.get(cli.url) ?? 0) + 1);
      assert.equal(moved.size, 2, `clients of a spread over b and c: ${JSON.stringify([...moved])}`);
      await stopClients(clients);
    });
  });

  test("SIGTERM drain: clients of the drained node get close 3000 and resume elsewhere, in-flight sends finish, the node exits 0; no send answered OK is lost", {
    timeout: 120_000,
  }, async () => {
    await withDiagnostics([cl], async () => {
      const [a, b, c] = cl.nodes as [(typeof cl.nodes)[0], (typeof cl.nodes)[0], (typeof cl.nodes)[0]];
      if (!a.running) await a.spawn(); // back after the previous test killed it (same ports)
      const checker = new DeliveryChecker();
      const users = Array.from({ length: 300 }, (_, i) => `t${String(i).padStart(3, "0")}`);
      const clients = cl.clientsFor(users, checker, (i) => ({ reconnectStep: 1 + (Math.floor(i / 3) % 2) }));
      await startClients(clients);
      const onA = clients.filter((cli) => cli.url === a.wsUrl);
      assert.equal(onA.length, 100);

      // 3,000 notifications in 150 calls of 20, through all three nodes (the drained one too);
      // a call that fails is retried on the next node with the same idempotency keys.
      const batches = plan(users, 10, 20, "drain");
      const nodes = [a, b, c];
      const DRAIN_AFTER = 50;
      let done = 0;
      let next = 0;
      let exit: Promise<number | NodeJS.Signals> | undefined;
      let retried = 0;
      const failureCodes = new Map<string, number>();
      /** Calls to the drained node in flight when SIGTERM was sent, and how each ended. */
      const inFlightOnA = new Set<Promise<unknown>>();
      let atSigterm: Array<Promise<unknown>> = [];
      const outcomeOfInFlight: string[] = [];
      const sendVia = (n: number, i: number) => {
        const p = sendTracked(checker, nodes[n]!.rpc, batches[i]!);
        if (nodes[n] === a) {
          inFlightOnA.add(p);
          void p.then((res) => {
            inFlightOnA.delete(p);
            if (atSigterm.includes(p)) outcomeOfInFlight.push(res.ok ? "ok" : `${res.err?.code} ${res.err?.details}`);
          });
        }
        return p;
      };
      const worker = async (w: number) => {
        for (;;) {
          const i = next++;
          if (i >= batches.length) return;
          let n = (i + w) % 3;
          let res = await sendVia(n, i);
          while (!res.ok) {
            const key = `${nodes[n]!.nodeId}: ${res.err?.code} ${res.err?.details}`;
            failureCodes.set(key, (failureCodes.get(key) ?? 0) + 1);
            assert.equal(nodes[n], a, `only the drained node may fail a send: ${key}`);
            assert.equal(res.err?.code, 14, `a send refused by the drained node answers UNAVAILABLE: ${key}`);
            retried++;
            n = (n + 1) % 3;
            res = await sendVia(n, i);
          }
          done++;
          if (done === DRAIN_AFTER) {
            atSigterm = [...inFlightOnA];
            exit = a.sigterm();
          }
        }
      };
      await Promise.all([0, 1, 2, 3].map(worker));
      assert.ok(exit, "the drain began mid-stream");
      assert.equal(await exit, 0, "the drained node exits 0");

      for (const cli of onA)
        assert.equal(cli.closes[0]?.code, 3000, `client ${cli.clientId} of the drained node: close ${JSON.stringify(cli.closes[0])}`);
      await waitFor(() => onA.every((cli) => cli.open && cli.url !== a.wsUrl), {
        timeoutMs: 30_000,
        message: "clients of the drained node resumed on B or C",
      });
      await waitFor(() => checker.report().lost === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
        message: `0 lost (${summarize(checker.report())})`,
      });
      await flushClients(clients);
      const r = checker.report();
      const reconnects = onA.flatMap((cli) => cli.reconnectMs);
      console.log(
        `[SIGTERM node a] calls to a in flight at SIGTERM: ${atSigterm.length}, ended ${JSON.stringify(outcomeOfInFlight)}; ` +
          `retried calls ${retried} (${JSON.stringify([...failureCodes])}); raw duplicates ${r.duplicatedRaw}; ` +
          `p99 reconnect ${Math.round(percentile(reconnects, 99))} ms`,
      );
      console.log(`[SIGTERM node a] ${summarize(r)}`);
      assert.equal(r.okSent, 3000, "every call eventually answered OK");
      assertClean(r, "after SIGTERM of node a", ["deliveredAfterError"]);
      assert.ok(a.logged("herald stopped").length > 0, "the node logged a clean stop");
      const others = clients.filter((cli) => !onA.includes(cli));
      assert.ok(
        others.every((cli) => cli.closes.length === 0),
        "clients of B and C kept their connections",
      );
      await stopClients(clients);
    });
  });

  test("SIGTERM while a send is blocked in the database: clients get 3000 at once, the call still answers OK, then the node exits 0; nothing lost", {
    timeout: 60_000,
  }, async () => {
    await withDiagnostics([cl], async () => {
      const [a, b] = cl.nodes as [(typeof cl.nodes)[0], (typeof cl.nodes)[0]];
      if (!a.running) await a.spawn();
      const checker = new DeliveryChecker();
      const users = Array.from({ length: 30 }, (_, i) => `inflight-${String(i).padStart(2, "0")}`);
      const clients = cl.clientsFor(users, checker);
      await startClients(clients);
      const onA = clients.filter((cli) => cli.url === a.wsUrl);
      assert.equal(onA.length, 10);
      // Every user gets a first notification (this also creates their seq counters).
      assert.ok(
        (
          await sendTracked(
            checker,
            b.rpc,
            users.map((u) => ({ userId: u, ref: `${u}-0` })),
          )
        ).ok,
      );

      // Hold the users' seq counter rows: a send to them blocks inside its transaction.
      const lock = new pg.Client({ connectionString: cl.db.url, connectionTimeoutMillis: 5000 });
      const watch = new pg.Client({ connectionString: cl.db.url, connectionTimeoutMillis: 5000 });
      await lock.connect();
      await watch.connect();
      let locked = false;
      try {
        await lock.query("begin");
        await lock.query("select user_id from user_counters where user_id = any($1) for update", [users]);
        locked = true;
        const dbName = new URL(cl.db.url!).pathname.slice(1);
        const call = sendTracked(
          checker,
          a.rpc,
          users.map((u) => ({ userId: u, ref: `${u}-1` })),
        );
        // (Watched from another connection: inside a transaction, pg_stat_activity is a snapshot.)
        await waitFor(
          async () =>
            (
              await watch.query(
                "select count(*)::int as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock' and query ilike '%user_counters%'",
                [dbName],
              )
            ).rows[0].n >= 1,
          { timeoutMs: 10_000, intervalMs: 10, message: "the send through node a is blocked in Postgres" },
        );
        const exit = a.sigterm();
        // The drain tells clients to reconnect before the in-flight call ends.
        await waitFor(() => onA.every((cli) => cli.closes.length >= 1), {
          timeoutMs: 5000,
          message: "clients of a closed while the send is in flight",
        });
        assert.deepEqual([...new Set(onA.map((cli) => cli.closes[0]!.code))], [3000]);
        assert.equal(a.running, true, "the node waits for the in-flight call");
        await lock.query("commit");
        locked = false;
        const res = await call;
        assert.ok(res.ok, `the in-flight call answered ${res.err?.code} ${res.err?.details}`);
        assert.equal(await exit, 0);
      } finally {
        if (locked) await lock.query("rollback").catch(() => undefined);
        await lock.end();
        await watch.end();
      }

      await waitFor(() => checker.report().lost === 0, {
        timeoutMs: 30_000,
        intervalMs: 100,
        message: `0 lost (${summarize(checker.report())})`,
      });
      await flushClients(clients);
      const r = checker.report();
      console.log(`[SIGTERM with a send in flight] ${summarize(r)}`);
      assert.equal(r.okSent, 60);
      assertClean(r, "after SIGTERM with a send in flight", ["deliveredAfterError"]);
      assert.ok(
        onA.every((cli) => cli.url !== a.wsUrl && cli.open),
        "clients of a resumed on b or c",
      );
      await stopClients(clients);
    });
  });
});
