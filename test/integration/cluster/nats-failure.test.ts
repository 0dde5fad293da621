import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, test } from "vitest";
import { startCluster, type TestCluster } from "../../support/cluster-setup.js";
import { assertClean } from "../../support/delivery-assertions.js";
import { DeliveryChecker, summarize } from "../../support/delivery-checker.js";
import { withDiagnostics } from "../../support/diagnostics.js";
import { flushClients, startClients, stopClients } from "../../support/logical-client.js";
import { SendStream } from "../../support/tracked-sends.js";
import { waitFor } from "../../support/wait.js";

/**
 * The NATS cluster fails under a stream of persistent notifications: one
 * server is SIGKILLed, or every server is stopped for 2 s (twice). Herald
 * nodes reconnect to NATS and re-sync their connections from Postgres; no
 * persistent notification answered OK may be lost.
 */

/** 300 users per test (fresh ones: a client starting at last_seq 0 gets the whole inbox). */
const usersOf = (tag: string) => Array.from({ length: 300 }, (_, i) => `${tag}-${String(i).padStart(3, "0")}`);

describe("NATS failures under a stream: 3 Herald nodes, 3-server NATS cluster, real Postgres", () => {
  let cl: TestCluster;

  beforeAll(async () => {
    cl = await startCluster();
  });
  afterAll(() => cl?.cleanup());

  /** Waits until every Herald node has a NATS connection (on whichever server). */
  async function heraldsConnected(): Promise<Map<number, string[]>> {
    return waitFor(
      async () => {
        const names = await cl.nats.clientNames();
        const heralds = [...names.values()].flat().filter((n) => n.startsWith("herald-"));
        return cl.nodes.every((node) => heralds.includes(`herald-${node.nodeId}`)) && names;
      },
      { timeoutMs: 20_000, intervalMs: 50, message: "every Herald node connected to NATS" },
    );
  }

  test("SIGKILL the NATS server that most Herald nodes use, mid-stream: deliveries go on, 0 persistent lost", {
    timeout: 120_000,
  }, async () => {
    await withDiagnostics([cl], async () => {
      const checker = new DeliveryChecker();
      const clients = cl.clientsFor(usersOf("kill"), checker);
      await startClients(clients);
      const names = await heraldsConnected();
      const victim = [...names.entries()].sort(
        (x, y) => y[1].filter((n) => n.startsWith("herald-")).length - x[1].filter((n) => n.startsWith("herald-")).length,
      )[0]![0];
      const affected = names.get(victim)!.filter((n) => n.startsWith("herald-"));

      const stream = new SendStream({ nodes: () => cl.nodes, checker, users: usersOf("kill") });
      stream.start();
      await stream.runFor(15);
      await cl.nats.kill(victim);
      const deliveredAtKill = checker.report().deliveries;
      await stream.runFor(15);
      // Deliveries go on after the kill (also to connections of the nodes that used the dead server).
      await waitFor(() => checker.report().deliveries >= deliveredAtKill + 15 * 30, {
        timeoutMs: 20_000,
        message: "deliveries go on after the kill",
      });
      const after = await heraldsConnected();
      assert.equal(after.has(victim), false);
      await stream.runFor(10);
      await stream.stop();

      await waitFor(() => checker.report().lost === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
        message: `0 lost (${summarize(checker.report())})`,
      });
      await flushClients(clients);
      const r = checker.report();
      console.log(`[SIGKILL NATS server ${victim}, used by ${affected.join(", ")}] ${summarize(r)}`);
      assert.deepEqual(
        stream.failures.map((f) => `${f.nodeId}: ${f.code} ${f.details}`),
        [],
        "every send answered OK",
      );
      assert.equal(r.okSent, r.sent);
      assertClean(r, "after SIGKILL of a NATS server");
      assert.ok(
        clients.every((c) => c.closes.length === 0),
        "no WebSocket connection was lost",
      );
      assert.ok(
        cl.nodes.filter((n) => affected.includes(`herald-${n.nodeId}`)).every((n) => n.logged(/NATS reconnected/).length >= 1),
        "the nodes of the dead server logged their NATS reconnect",
      );

      await cl.nats.startServer(victim);
      await cl.nats.waitForRoutes();
      await stopClients(clients);
    });
  });

  test("stop every NATS server for 2 s, twice, during a stream: after recovery 0 persistent lost", { timeout: 150_000 }, async () => {
    await withDiagnostics([cl], async () => {
      const checker = new DeliveryChecker();
      const clients = cl.clientsFor(usersOf("outage"), checker);
      await startClients(clients);
      await heraldsConnected();
      const reconnectsBefore = cl.nodes.map((n) => n.logged(/NATS reconnected/).length);

      const stream = new SendStream({ nodes: () => cl.nodes, checker, users: usersOf("outage") });
      stream.start();
      for (let outage = 1; outage <= 2; outage++) {
        await stream.runFor(10);
        await cl.nats.stopAll();
        const t0 = performance.now();
        const okAtStop = stream.batchesOk;
        // Outage 1: the stream goes on through the outage and after it.
        // Outage 2: the stream ends while NATS is down, so the last notification of
        // every user is never published to a live NATS: only the re-sync from
        // Postgres after the reconnect can deliver it.
        if (outage === 2) {
          await stream.runFor(10);
          await stream.stop();
        }
        // The scenario itself: NATS is gone for 2 s while sends go on (they are stored in Postgres).
        await sleep(Math.max(0, 2000 - (performance.now() - t0)));
        assert.ok(stream.batchesOk > okAtStop, `outage ${outage}: sends are still answered OK while NATS is down`);
        await cl.nats.startAll();
        await heraldsConnected();
        await waitFor(() => cl.nodes.every((n, i) => n.logged(/NATS reconnected/).length >= reconnectsBefore[i]! + outage), {
          timeoutMs: 20_000,
          message: `outage ${outage}: every node re-synced after its NATS reconnect`,
        });
      }

      await waitFor(() => checker.report().lost === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
        message: `0 lost (${summarize(checker.report())})`,
      });
      await flushClients(clients);
      const r = checker.report();
      console.log(`[NATS down 2 s, twice] ${stream.batchesOk} calls; ${summarize(r)}`);
      assert.deepEqual(
        stream.failures.map((f) => `${f.nodeId}: ${f.code} ${f.details}`),
        [],
        "every send answered OK (Postgres is up)",
      );
      assert.equal(r.okSent, r.sent);
      assertClean(r, "after two NATS outages");
      assert.ok(
        clients.every((c) => c.closes.length === 0),
        "no WebSocket connection was lost",
      );
      await stopClients(clients);
    });
  });
});
