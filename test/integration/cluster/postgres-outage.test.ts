import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { startCluster, type TestCluster } from "../../support/cluster-setup.js";
import { POSTGRES, type TestDatabase } from "../../support/databases.js";
import { DeliveryChecker, summarize } from "../../support/delivery-checker.js";
import { withDiagnostics } from "../../support/diagnostics.js";
import { listAll, status } from "../../support/grpc.js";
import { flushClients, startClients, stopClients } from "../../support/logical-client.js";
import { proxyToPostgres, type TcpProxy } from "../../support/tcp-proxy.js";
import { SendStream } from "../../support/tracked-sends.js";
import { waitFor } from "../../support/wait.js";

/**
 * Postgres goes away under a stream of sends to a 3-node cluster. Every node's
 * DATABASE_URL points at one TCP proxy in front of the real server (a node's
 * DATABASE_URL is fixed when it is spawned); stopping the proxy kills every
 * database connection and refuses new ones, as a stopped server does.
 */

const USERS = Array.from({ length: 150 }, (_, i) => `pg-${String(i).padStart(3, "0")}`);

describe("Postgres outage under a stream: 3 Herald nodes, 3-server NATS cluster", () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let cl: TestCluster;

  beforeAll(async () => {
    db = await POSTGRES.create();
    const viaProxy = await proxyToPostgres(db.url!);
    proxy = viaProxy.proxy;
    cl = await startCluster({ db, databaseUrl: viaProxy.url });
  });
  afterAll(async () => {
    await cl?.cleanup();
    await proxy?.stop();
    await db?.drop();
  });

  test("sends answer UNAVAILABLE while Postgres is down; none answered OK is missing afterwards; resends with the same idempotency keys store no duplicate", {
    timeout: 120_000,
  }, async () => {
    await withDiagnostics([cl], async () => {
      const checker = new DeliveryChecker();
      const clients = cl.clientsFor(USERS, checker);
      await startClients(clients);

      // Calls of 10; a failed call is retried (same idempotency keys, next node, client backoff) until OK.
      const stream = new SendStream({ nodes: () => cl.nodes, checker, users: USERS, batchSize: 10, retry: true });
      stream.start();
      await stream.runFor(20);

      await proxy.stop();
      const okAtStop = stream.batchesOk;
      await waitFor(() => stream.failures.length >= 9 && cl.nodes.every((n) => stream.failures.some((f) => f.nodeId === n.nodeId)), {
        timeoutMs: 30_000,
        message: "sends through every node failed while Postgres is down",
      });
      const okDuringOutage = stream.batchesOk - okAtStop;
      await proxy.start();
      await stream.runFor(20);
      await stream.stop();

      // Every failure is UNAVAILABLE.
      const notUnavailable = stream.failures.filter((f) => f.code !== status.UNAVAILABLE);
      assert.deepEqual(
        notUnavailable.map((f) => `${f.nodeId}: ${f.code} ${f.details}`),
        [],
        "every failed send answered UNAVAILABLE",
      );
      const retriedRefs = new Set(stream.failures.flatMap((f) => f.items.map((it) => it.ref)));

      // Nothing answered OK is missing: each logical client got all of its user's notifications.
      await waitFor(() => checker.report().lost === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
        message: `0 lost (${summarize(checker.report())})`,
      });
      await flushClients(clients);
      const r = checker.report();
      const kinds = new Map<string, number>();
      for (const f of stream.failures)
        kinds.set(`${status[f.code ?? -1] ?? f.code} ${f.details}`, (kinds.get(`${status[f.code ?? -1] ?? f.code} ${f.details}`) ?? 0) + 1);
      console.log(
        `[Postgres down] ${stream.failures.length} failed calls ${JSON.stringify([...kinds])}, ${okDuringOutage} calls answered OK after the stop, ` +
          `${retriedRefs.size} notifications resent with their idempotency keys; ${summarize(r)}`,
      );
      assert.equal(r.okSent, r.sent, "every notification eventually answered OK");
      assert.equal(r.lost, 0, r.examples.lost.join("; "));
      assert.equal(r.duplicatedAfterDedupe, 0, r.examples.duplicatedAfterDedupe.join("; "));
      assert.equal(r.conflictingIds, 0, "a resend answered the first send's id");
      assert.equal(r.unexpected, 0, r.examples.unexpected.join("; "));
      assert.equal(r.outOfOrder, 0, r.examples.outOfOrder.join("; "));

      // The store: every key at most once, every notification answered OK there, gapless seqs.
      const rounds = r.sent / USERS.length;
      assert.ok(Number.isInteger(rounds), "the stream ended with a full round");
      const expectedRefs = (u: string) => Array.from({ length: rounds }, (_, round) => `${u}-${round}`).sort();
      const rpc = cl.nodes[0]!.rpc;
      for (const u of USERS) {
        const stored = await listAll(rpc, u, { systemFilter: 2 });
        const keys = stored.map((n) => n.subject);
        const seen = new Map<string, number>();
        for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
        const twice = [...seen].filter(([, n]) => n > 1);
        assert.deepEqual(twice, [], `user ${u}: an idempotency key stored more than once`);
        assert.deepEqual([...seen.keys()].sort(), expectedRefs(u), `user ${u}: stored exactly what was answered OK`);
        assert.deepEqual(
          stored.map((n) => Number(n.seq)),
          Array.from({ length: stored.length }, (_, i) => i + 1),
          `user ${u}: seqs gapless`,
        );
      }
      assert.ok(proxy.accepted > 3, "the nodes reconnected to Postgres through the proxy");
      await stopClients(clients);
    });
  });
});
