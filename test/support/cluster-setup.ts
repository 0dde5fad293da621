import { migrateLatest } from "../../src/storage/database.js";
import { POSTGRES, type TestDatabase } from "./databases.js";
import type { DeliveryChecker } from "./delivery-checker.js";
import { type HeraldNode, nodeDiagnostics, startNodes } from "./herald-node.js";
import { LogicalClient, type LogicalClientOptions, stopClients } from "./logical-client.js";
import { NatsCluster } from "./nats-cluster.js";

/**
 * A whole cluster for a test file: NATS servers, a Postgres database and
 * Herald nodes (child processes), with the simulated devices connected to it,
 * set up together and torn down together.
 */

export interface TestCluster {
  nats: NatsCluster;
  db: TestDatabase;
  nodes: HeraldNode[];
  /** What to print when a test fails: every node's and every NATS server's last lines. */
  diagnostics(lines?: number): string;
  /**
   * One LogicalClient per user (client id `<user>/dev`), reporting to
   * `checker`, with the nodes' WebSocket URLs as its pool: the i-th user's
   * client starts on node i (modulo the number of nodes). `more(i)` adds
   * options to the i-th (e.g. a `reconnectStep`). Not started yet; `cleanup`
   * stops them.
   */
  clientsFor(users: readonly string[], checker: DeliveryChecker, more?: (i: number) => Partial<LogicalClientOptions>): LogicalClient[];
  /** Stops every client made by `clientsFor`, kills every node and NATS server and drops the database. Idempotent; never throws. */
  cleanup(): Promise<void>;
}

/**
 * A 3-server NATS cluster (or `nats` given), a fresh Postgres database (or
 * `db` given) and Herald nodes `nodeIds` (default a, b, c) started in parallel.
 * `databaseUrl` overrides the nodes' DATABASE_URL (e.g. a TcpProxy in front of
 * `db`). On failure, everything started so far is cleaned up.
 */
export async function startCluster(
  options: { nodeIds?: string[]; env?: Record<string, string>; nats?: NatsCluster; db?: TestDatabase; databaseUrl?: string } = {},
): Promise<TestCluster> {
  const ownNats = options.nats === undefined;
  const ownDb = options.db === undefined;
  let nats: NatsCluster | undefined = options.nats;
  let db: TestDatabase | undefined = options.db;
  let nodes: HeraldNode[] = [];
  const clients: LogicalClient[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await stopClients(clients);
      await Promise.allSettled(nodes.map((n) => n.cleanup()));
      if (ownNats) await nats?.cleanup().catch(() => undefined);
      if (ownDb) await db?.drop().catch(() => undefined);
    })());
  try {
    nats ??= await NatsCluster.start();
    db ??= await POSTGRES.create();
    // Migrate once before the nodes start. Nodes starting at once on a fresh database can race
    // in knex's migration-lock bootstrap (two lock rows, then "Migration table is already locked"
    // on every start): a src bug, reported, that cluster tests must not turn into flakiness.
    const knex = db.open();
    try {
      await migrateLatest(knex);
    } finally {
      await knex.destroy();
    }
    nodes = await startNodes(
      (options.nodeIds ?? ["a", "b", "c"]).map((nodeId) => ({
        nodeId,
        databaseUrl: options.databaseUrl ?? db!.url!,
        natsUrl: nats!.url,
        env: options.env,
      })),
    );
  } catch (err) {
    await cleanup();
    throw err;
  }
  const n = nats;
  return {
    nats: n,
    db,
    nodes,
    diagnostics: (lines = 60) => `${nodeDiagnostics(nodes, lines).diagnostics()}\n${n.diagnostics(Math.ceil(lines / 2))}`,
    clientsFor(users, checker, more = () => ({})) {
      const pool = () => nodes.map((node) => node.wsUrl);
      const made = users.map(
        (u, i) => new LogicalClient({ userId: u, clientId: `${u}/dev`, pool, startAt: i % nodes.length, checker, ...more(i) }),
      );
      clients.push(...made);
      return made;
    },
    cleanup,
  };
}
