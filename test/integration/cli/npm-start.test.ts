import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, test } from "vitest";
import { DEV_API_KEY } from "../../../src/config.js";
import { ensureBuilt, productionInstall } from "../../support/build.js";
import { connectClient, listAll, outgoing } from "../../support/grpc.js";
import { canConnect, freePort } from "../../support/net.js";
import { cleanEnv, run, spawnLogged, type Spawned } from "../../support/processes.js";
import { waitFor } from "../../support/wait.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The installed bin (`herald`), which runs the compiled dist/. */
const HERALD = path.join(ROOT, "bin/herald.mjs");

/** A process's command line, from /proc. */
function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8")
    .split("\0")
    .filter((a) => a !== "");
}

/** A process's direct children, from /proc (every thread's list). */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8")
      .split(" ")
      .filter((s) => s.trim() !== "")
      .map(Number),
  );
}

/** Asserts `pid` is the node serving Herald itself: compiled code, no tsx, no wrapper process in between. */
function assertCompiledNode(pid: number): void {
  const argv = cmdline(pid);
  assert.equal(path.basename(argv[0]!), path.basename(process.execPath), `not a node process: ${argv.join(" ")}`);
  assert.ok(!argv.some((a) => /tsx/.test(a)), `runs through tsx: ${argv.join(" ")}`);
  assert.ok(
    argv.some((a) => /(dist\/src\/cli\.js|bin\/herald\.mjs)$/.test(a)),
    `not the compiled CLI: ${argv.join(" ")}`,
  );
  const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  assert.ok(!environ.some((e) => e.startsWith("NODE_OPTIONS=") && /tsx/.test(e)), "tsx loaded through NODE_OPTIONS");
  assert.deepEqual(childrenOf(pid), [], `the node has child processes (a wrapper?): ${argv.join(" ")}`);
}

describe("the embedded default: serving with no database configured", () => {
  let dataDir: string;
  let installDir: string;
  const spawned: Spawned[] = [];

  beforeAll(async () => {
    ensureBuilt();
    dataDir = await mkdtemp(path.join(os.tmpdir(), "herald-start-"));
    installDir = await mkdtemp(path.join(os.tmpdir(), "herald-install-"));
  });

  afterAll(async () => {
    for (const s of spawned) {
      s.killGroup("SIGKILL");
      await s.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
    await rm(installDir, { recursive: true, force: true });
  });

  /**
   * Starts a node on fresh free ports. A port picked free can be taken before the node binds it
   * on a busy box (EADDRINUSE): that start is retried on other ports, nothing else is.
   */
  async function serve(command: string, args: string[], cwd = ROOT) {
    for (let attempt = 1; ; attempt++) {
      const grpcPort = await freePort();
      const httpPort = await freePort();
      const env = cleanEnv({
        HERALD_DATA_DIR: dataDir,
        HERALD_GRPC_PORT: String(grpcPort),
        HERALD_HTTP_PORT: String(httpPort),
        HERALD_SHUTDOWN_GRACE_MS: "2000",
      });
      const proc = spawnLogged(command, args, { env, cwd });
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
    // npm's shell execs node: npm's only child is the compiled node itself.
    const npmChildren = childrenOf(proc.child.pid!);
    assert.equal(npmChildren.length, 1, `npm's children: ${npmChildren.map((p) => cmdline(p).join(" ")).join(" | ")}`);
    assert.deepEqual(cmdline(npmChildren[0]!).slice(1), ["dist/src/cli.js", "serve"]);
    assertCompiledNode(npmChildren[0]!);
    assert.ok(
      proc.logs.some((l) => String(l.msg).includes(DEV_API_KEY)),
      "development mode prints the dev API key at start",
    );

    const { client, rpc } = connectClient(grpcPort);
    try {
      const sent = await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["smoke"], subject: "hello", content: { n: 1 } })] });
      assert.equal(sent.results[0]!.seq, "1");
      const listed = await listAll(rpc, "smoke");
      assert.deepEqual(
        listed.map((n) => [n.id, n.subject, n.content]),
        [[sent.results[0]!.notificationId, "hello", { n: 1 }]],
      );
    } finally {
      client.close();
    }

    // The README's first-minute example: the CLI talks to the node through the generated client.
    const addr = `127.0.0.1:${grpcPort}`;
    const send = await run(
      HERALD,
      ["send", "--user", "smoke", "--code", "7", "--subject", "from the cli", "--content", '{"x":2}', "--addr", addr],
      { env, cwd: ROOT },
    );
    assert.equal(send.code, 0, send.stderr);
    assert.match(send.stdout, /"seq": "2"/);
    const list = await run(HERALD, ["list", "--user", "smoke", "--addr", addr], { env, cwd: ROOT });
    assert.equal(list.code, 0, list.stderr);
    const page = JSON.parse(list.stdout) as { notifications: Array<{ subject: string; code: number }> };
    assert.deepEqual(
      page.notifications.map((n) => [n.subject, n.code]),
      [
        ["hello", 1],
        ["from the cli", 7],
      ],
    );
    const refused = await run(HERALD, ["list", "--user", "smoke", "--addr", addr, "--api-key", "wrong-key-0123456789"], { env, cwd: ROOT });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /API key/);

    // A service manager or `docker stop` sends SIGTERM to the command it started: npm.
    process.kill(proc.child.pid!, "SIGTERM");
    await proc.exited;
    await waitFor(async () => !(await canConnect("127.0.0.1", grpcPort)), {
      timeoutMs: 10_000,
      message: "the node still serves after SIGTERM to `npm start` (npm's shell did not pass the signal on)",
    });
    assert.ok(
      proc.logs.some((l) => l.msg === "herald stopped"),
      "the node shut down gracefully",
    );
  });

  test("SIGTERM to `herald serve` (compiled, from a production install without tsx) stops it gracefully with exit code 0; the data survives a restart", async () => {
    // The bin of a production install: compiled code and production dependencies only (no tsx).
    const bin = path.join(productionInstall(installDir), "bin/herald.mjs");
    const first = await serve(bin, ["serve"], installDir);
    // The signal goes to the node that serves, not to a tsx wrapper that might die before passing it on.
    assertCompiledNode(first.proc.child.pid!);
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
    assert.equal(await canConnect("127.0.0.1", first.grpcPort), false);

    const second = await serve(bin, ["serve"], installDir);
    assert.equal(
      second.proc.logs.some((l) => l.msg === "migrations applied"),
      false,
      "migrations were already applied",
    );
    const again = connectClient(second.grpcPort);
    try {
      const after = await listAll(again.rpc, "durable");
      assert.deepEqual(
        after.map((n) => n.id),
        before,
      );
      assert.equal(after[0]!.subject, "kept");
    } finally {
      again.client.close();
    }
    second.proc.child.kill("SIGTERM");
    assert.deepEqual(await second.proc.exited, { code: 0, signal: null });
  });
});
