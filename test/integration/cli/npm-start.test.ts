import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { DEV_API_KEY } from "../../../src/config.js";
import { connectClient, listAll, outgoing } from "../../support/grpc.js";
import { cleanEnv, freePort, isListening, run, spawnLogged, type Spawned } from "../../support/processes.js";
import { waitFor } from "../../support/wait.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

describe("the embedded default: serving with no database configured", () => {
  let dataDir: string;
  const spawned: Spawned[] = [];

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "herald-start-"));
  });

  after(async () => {
    for (const s of spawned) {
      s.killGroup("SIGKILL");
      await s.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  /**
   * Starts a node on fresh free ports. A port picked free can be taken before the node binds it
   * on a busy box (EADDRINUSE): that start is retried on other ports, nothing else is.
   */
  async function serve(command: string, args: string[]) {
    for (let attempt = 1; ; attempt++) {
      const grpcPort = await freePort();
      const httpPort = await freePort();
      const env = cleanEnv({
        HERALD_DATA_DIR: dataDir,
        HERALD_GRPC_PORT: String(grpcPort),
        HERALD_HTTP_PORT: String(httpPort),
        HERALD_SHUTDOWN_GRACE_MS: "2000",
      });
      const proc = spawnLogged(command, args, { env, cwd: ROOT });
      spawned.push(proc);
      try {
        const started = await proc.waitForLog("herald started", 120_000);
        return { proc, grpcPort, httpPort, env, started };
      } catch (err) {
        if (attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
      }
    }
  }

  test("`npm start` serves gRPC on PGlite; the CLI sends and lists; SIGTERM stops it", async () => {
    const { proc, grpcPort, env, started } = await serve("npm", ["start"]);
    assert.equal(started.database, "pglite");
    assert.equal(started.grpcPort, grpcPort);
    assert.ok(
      proc.logs.some((l) => String(l.msg).includes(DEV_API_KEY)),
      "development mode prints the dev API key at start",
    );

    const { client, rpc } = connectClient(grpcPort);
    try {
      const sent = await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["smoke"], subject: "hello", content: { n: 1 } })] });
      assert.equal(sent.results[0]!.seq, "1");
      const listed = await listAll(rpc, "smoke");
      assert.deepEqual(listed.map((n) => [n.id, n.subject, n.content]), [[sent.results[0]!.notificationId, "hello", { n: 1 }]]);
    } finally {
      client.close();
    }

    // The README's first-minute example: the CLI talks to the node through the generated client.
    const addr = `127.0.0.1:${grpcPort}`;
    const send = await run(TSX, ["src/cli.ts", "send", "--user", "smoke", "--code", "7", "--subject", "from the cli", "--content", '{"x":2}', "--addr", addr], { env, cwd: ROOT });
    assert.equal(send.code, 0, send.stderr);
    assert.match(send.stdout, /"seq": "2"/);
    const list = await run(TSX, ["src/cli.ts", "list", "--user", "smoke", "--addr", addr], { env, cwd: ROOT });
    assert.equal(list.code, 0, list.stderr);
    const page = JSON.parse(list.stdout) as { notifications: Array<{ subject: string; code: number }> };
    assert.deepEqual(page.notifications.map((n) => [n.subject, n.code]), [["hello", 1], ["from the cli", 7]]);
    const refused = await run(TSX, ["src/cli.ts", "list", "--user", "smoke", "--addr", addr, "--api-key", "wrong-key-0123456789"], { env, cwd: ROOT });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /API key/);

    // A service manager or `docker stop` sends SIGTERM to the command it started: npm.
    process.kill(proc.child.pid!, "SIGTERM");
    await proc.exited;
    await waitFor(async () => !(await isListening(grpcPort)), {
      timeoutMs: 10_000,
      message: "the node still serves after SIGTERM to `npm start` (npm's shell did not pass the signal on)",
    });
    assert.ok(proc.logs.some((l) => l.msg === "herald stopped"), "the node shut down gracefully");
  });

  test("SIGTERM to `herald serve` stops it gracefully with exit code 0; the data survives a restart", async () => {
    const first = await serve(TSX, ["src/cli.ts", "serve"]);
    const { client, rpc } = connectClient(first.grpcPort);
    let before: string[];
    try {
      await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["durable"], subject: "kept" })] });
      before = (await listAll(rpc, "durable")).map((n) => n.id);
    } finally {
      client.close();
    }
    first.proc.child.kill("SIGTERM");
    const exit = await first.proc.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, first.proc.lines.join("\n"));
    assert.ok(first.proc.logs.some((l) => l.msg === "shutting down" && l.signal === "SIGTERM"));
    assert.ok(first.proc.logs.some((l) => l.msg === "herald stopped"));
    assert.equal(await isListening(first.grpcPort), false);

    const second = await serve(TSX, ["src/cli.ts", "serve"]);
    assert.equal(second.proc.logs.some((l) => l.msg === "migrations applied"), false, "migrations were already applied");
    const again = connectClient(second.grpcPort);
    try {
      const after = await listAll(again.rpc, "durable");
      assert.deepEqual(after.map((n) => n.id), before);
      assert.equal(after[0]!.subject, "kept");
    } finally {
      again.client.close();
    }
    second.proc.child.kill("SIGTERM");
    assert.deepEqual(await second.proc.exited, { code: 0, signal: null });
  });
});
