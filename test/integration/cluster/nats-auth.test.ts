import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, test } from "vitest";
import { nkeys } from "nats";
import { POSTGRES, type TestDatabase } from "../../support/databases.js";
import { withDiagnostics } from "../../support/diagnostics.js";
import { outgoing } from "../../support/grpc.js";
import { type HeraldNode, nodeDiagnostics, startNodes } from "../../support/herald-node.js";
import { NatsCluster } from "../../support/nats-cluster.js";
import { operatorSetup } from "../../support/nats-jwt.js";
import { makeTestCerts } from "../../support/tls-certs.js";
import { TestClient } from "../../support/ws-client.js";

/**
 * Herald nodes (child processes) against real nats-servers that require
 * authentication: user/password (in NATS_URL and as variables), an NKey, a
 * token, a `.creds` file (operator mode) and mutual TLS. Nodes with the right
 * credentials connect as the expected NATS user and fan out to each other; a
 * node with wrong or no credentials stops at start with a clear message,
 * within seconds.
 */

const PASSWORD = "s3cret/pw:x"; // '/' and ':' must be percent-encoded in a URL
const URL_PASSWORD = encodeURIComponent(PASSWORD);
const TOKEN = "herald-nats-token-0123456789";

describe("NATS with authentication", () => {
  let db: TestDatabase;
  let dir: string;
  const clusters: NatsCluster[] = [];
  const nodes: HeraldNode[] = [];
  const clients: TestClient[] = [];
  const diagnostics = { diagnostics: () => [nodeDiagnostics(nodes).diagnostics(), ...clusters.map((c) => c.diagnostics())].join("\n") };

  beforeAll(async () => {
    db = await POSTGRES.create();
    dir = mkdtempSync(path.join(os.tmpdir(), "herald-nats-auth-"));
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(nodes.map((n) => n.cleanup()));
    await Promise.allSettled(clusters.map((c) => c.cleanup()));
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function natsServer(config: string): Promise<NatsCluster> {
    const c = await NatsCluster.start({ size: 1, config });
    clusters.push(c);
    return c;
  }

  async function start(list: Array<{ nodeId: string; natsUrl: string; env?: Record<string, string> }>): Promise<HeraldNode[]> {
    const started = await startNodes(list.map((o) => ({ ...o, databaseUrl: db.url! })));
    nodes.push(...started);
    return started;
  }

  /** An ephemeral notification sent through `from` reaches a client of `user` on `to`: it can only travel over NATS. */
  async function fansOut(from: HeraldNode, to: HeraldNode, user: string): Promise<void> {
    const client = await TestClient.connect(to.wsUrl, user);
    clients.push(client);
    const ref = `${from.nodeId}->${to.nodeId}`;
    await from.rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], persistent: false, content: { ref } })] });
    await client.waitFrame((f) => f.notification?.content?.ref === ref, `${ref} delivered over NATS`);
  }

  /** Starting a node must fail, quickly, with a message matching `expected`; the node's output is returned. */
  async function refused(
    nodeId: string,
    natsUrl: string,
    expected: RegExp,
    env: Record<string, string> = {},
  ): Promise<{ ms: number; output: string }> {
    const t0 = Date.now();
    const err = await startNodes([{ nodeId, natsUrl, databaseUrl: db.url!, env, readyTimeoutMs: 60_000 }]).then(
      () => assert.fail(`node ${nodeId} started`),
      (e: Error) => e,
    );
    const ms = Date.now() - t0;
    assert.match(err.message, /exited \(1\) before it was ready/, err.message);
    assert.match(err.message, expected);
    return { ms, output: err.message };
  }

  test("user/password in NATS_URL and in HERALD_NATS_USER/PASSWORD, and an NKey seed file: each node connects as its NATS user and fans out", async () => {
    const user = nkeys.createUser();
    const seedFile = path.join(dir, "herald.nk");
    writeFileSync(seedFile, `${new TextDecoder().decode(user.getSeed())}\n`);
    // With the per-subject permissions the README gives for Herald's NATS users.
    const perms = `permissions: { publish: ["herald.v1.>", "_INBOX.>"], subscribe: ["herald.v1.>", "_INBOX.>"] }`;
    const nats = await natsServer(
      `authorization { users = [ {user: herald, password: "${PASSWORD}", ${perms}}, {nkey: ${user.getPublicKey()}, ${perms}} ] }`,
    );
    const port = nats.servers[0]!.clientPort;
    await withDiagnostics([diagnostics], async () => {
      const [a, b, c] = await start([
        { nodeId: "url-user", natsUrl: `nats://herald:${URL_PASSWORD}@127.0.0.1:${port}` },
        { nodeId: "var-user", natsUrl: `nats://127.0.0.1:${port}`, env: { HERALD_NATS_USER: "herald", HERALD_NATS_PASSWORD: PASSWORD } },
        { nodeId: "nkey", natsUrl: `nats://127.0.0.1:${port}`, env: { HERALD_NATS_NKEY_SEED_FILE: seedFile } },
      ]);
      const who = new Map((await nats.connections(0)).map((x) => [x.name, x.authorized_user]));
      assert.equal(who.get("herald-url-user"), "herald");
      assert.equal(who.get("herald-var-user"), "herald");
      assert.equal(who.get("herald-nkey"), user.getPublicKey());
      await fansOut(b!, a!, "ann");
      await fansOut(c!, a!, "bob");
      await fansOut(a!, c!, "cid");
      for (const n of [a!, b!, c!])
        assert.ok(!n.log.lines().some((l) => l.includes(PASSWORD) || l.includes(URL_PASSWORD)), `${n.nodeId} logged the password`);
    });
  });

  test("a token in NATS_URL and in HERALD_NATS_TOKEN", async () => {
    const nats = await natsServer(`authorization { token: "${TOKEN}" }`);
    const port = nats.servers[0]!.clientPort;
    await withDiagnostics([diagnostics], async () => {
      const [a, b] = await start([
        { nodeId: "url-token", natsUrl: `nats://${TOKEN}@127.0.0.1:${port}` },
        { nodeId: "var-token", natsUrl: `nats://127.0.0.1:${port}`, env: { HERALD_NATS_TOKEN: TOKEN } },
      ]);
      await fansOut(a!, b!, "dan");
      await fansOut(b!, a!, "eve");
    });
  });

  test("a .creds file (JWT and NKey seed) against a server in operator mode", async () => {
    const op = operatorSetup();
    const credsFile = path.join(dir, "herald.creds");
    writeFileSync(credsFile, op.creds);
    const nats = await natsServer(op.serverConfig);
    const url = nats.url;
    await withDiagnostics([diagnostics], async () => {
      const [a, b] = await start([
        { nodeId: "creds-a", natsUrl: url, env: { HERALD_NATS_CREDS_FILE: credsFile } },
        { nodeId: "creds-b", natsUrl: url, env: { HERALD_NATS_CREDS_FILE: credsFile } },
      ]);
      const conns = await nats.connections(0);
      assert.deepEqual(conns.map((x) => [x.name, x.account]).sort(), [
        ["herald-creds-a", op.accountPublicKey],
        ["herald-creds-b", op.accountPublicKey],
      ]);
      await fansOut(a!, b!, "fay");
    });
  });

  test("mutual TLS: a tls:// URL with the CA and a client certificate", async () => {
    const certs = makeTestCerts(dir);
    const nats = await natsServer(
      `tls { cert_file: "${certs.serverCert}", key_file: "${certs.serverKey}", ca_file: "${certs.ca}", verify: true, timeout: 2 }`,
    );
    // A host name (nats.js checks an IP address's certificate against "localhost").
    const url = `tls://localhost:${nats.servers[0]!.clientPort}`;
    const tlsEnv = {
      HERALD_NATS_TLS_CA_FILE: certs.ca,
      HERALD_NATS_TLS_CERT_FILE: certs.clientCert,
      HERALD_NATS_TLS_KEY_FILE: certs.clientKey,
    };
    await withDiagnostics([diagnostics], async () => {
      const [a, b] = await start([
        { nodeId: "tls-a", natsUrl: url, env: tlsEnv },
        { nodeId: "tls-b", natsUrl: url, env: tlsEnv },
      ]);
      assert.ok(
        (await nats.connections(0)).every((x) => x.tls_version !== undefined && x.tls_version !== ""),
        "every connection uses TLS",
      );
      await fansOut(a!, b!, "gus");
      // Without the client certificate the server refuses the handshake.
      const { ms, output } = await refused("tls-nocert", url, /cannot connect to NATS|refused/, { HERALD_NATS_TLS_CA_FILE: certs.ca });
      console.log(`without a client certificate: stopped after ${ms} ms: ${/herald: .*/.exec(output)?.[0]}`);
      assert.ok(ms < 30_000, `took ${ms} ms`);
    });
  });

  test("wrong or missing credentials, or a server that never answers: the node stops at start within seconds, saying why, never quoting the secret", async () => {
    const nats = await natsServer(`authorization { users = [ {user: herald, password: "${PASSWORD}"} ] }`);
    const port = nats.servers[0]!.clientPort;
    // A TCP port that accepts and never speaks: the connect times out instead of hanging.
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      await withDiagnostics([diagnostics], async () => {
        const wrong = await refused(
          "wrong-password",
          `nats://herald:not-the-password@127.0.0.1:${port}`,
          /refused this node's credentials \(.*Authorization Violation/i,
        );
        assert.ok(!wrong.output.includes("not-the-password"), "the password is not printed");
        const none = await refused("no-credentials", `nats://127.0.0.1:${port}`, /refused this node's credentials/);
        const vars = await refused("wrong-variable", `nats://127.0.0.1:${port}`, /refused this node's credentials/, {
          HERALD_NATS_USER: "herald",
          HERALD_NATS_PASSWORD: "wrong",
        });
        const mute = await refused(
          "silent-server",
          `nats://127.0.0.1:${(silent.address() as net.AddressInfo).port}`,
          /cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .*TIMEOUT/i,
        );
        console.log(
          `stopped after (ms, from spawn): wrong password ${wrong.ms}, none ${none.ms}, wrong variables ${vars.ms}, silent server ${mute.ms}`,
        );
        for (const [what, r] of Object.entries({ wrong, none, vars })) assert.ok(r.ms < 20_000, `${what}: ${r.ms} ms`);
        assert.ok(mute.ms < 30_000, `silent server: ${mute.ms} ms`);
      });
    } finally {
      silent.close();
    }
  });
});
