import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, test } from "vitest";
import { ensureBuilt } from "../../support/build.js";
import { POSTGRES } from "../../support/databases.js";
import { listAll } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { freePort } from "../../support/net.js";
import { cleanEnv, run } from "../../support/processes.js";

/**
 * Point 11 of issue 8: a send that ends DEADLINE_EXCEEDED or UNAVAILABLE may have been
 * stored, so `herald send` carries an idempotency key by default and says which, so
 * that a retry with it is stored once.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const HERALD = path.join(ROOT, "bin/herald.mjs");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface SendOutput {
  idempotencyKey: string;
  results: Array<{ userId: string; notificationId: string; seq: string; duplicate: boolean }>;
}

describe("herald send and idempotency keys (on postgres)", () => {
  let node: TestHeraldWithDatabase;
  let addr: string;

  beforeAll(async () => {
    ensureBuilt();
    node = await startTestHeraldOnNewDatabase(POSTGRES);
    addr = `127.0.0.1:${node.grpcPort}`;
  });

  afterAll(() => node?.stop());

  async function send(args: string[], to = addr) {
    return run(HERALD, ["send", "--code", "3", "--addr", to, "--api-key", node.apiKey, ...args], { env: cleanEnv({}), cwd: ROOT });
  }

  async function sendOk(args: string[]): Promise<SendOutput> {
    const r = await send(args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as SendOutput;
  }

  test("a default send carries a new random key (printed); the same send retried with it is a duplicate, stored once", async () => {
    const first = await sendOk(["--user", "cli-a", "--user", "cli-b", "--subject", "once"]);
    assert.match(first.idempotencyKey, UUID);
    assert.deepEqual(
      first.results.map((r) => [r.userId, r.duplicate]),
      [
        ["cli-a", false],
        ["cli-b", false],
      ],
    );

    const retry = await sendOk(["--user", "cli-a", "--user", "cli-b", "--subject", "once", "--idempotency-key", first.idempotencyKey]);
    assert.equal(retry.idempotencyKey, first.idempotencyKey);
    assert.deepEqual(
      retry.results.map((r) => [r.userId, r.notificationId, r.duplicate]),
      first.results.map((r) => [r.userId, r.notificationId, true]),
      "the retry names the first send's notifications",
    );
    assert.equal((await listAll(node.rpc, "cli-a")).length, 1);
    assert.equal((await listAll(node.rpc, "cli-b")).length, 1);

    // Two separate sends get two keys: both are stored.
    const other = await sendOk(["--user", "cli-a", "--subject", "twice"]);
    assert.match(other.idempotencyKey, UUID);
    assert.notEqual(other.idempotencyKey, first.idempotencyKey);
    assert.equal(other.results[0]!.duplicate, false);
    assert.deepEqual(
      (await listAll(node.rpc, "cli-a")).map((n) => n.subject),
      ["once", "twice"],
    );
  });

  test("--ephemeral sends no key (the server refuses keys on ephemeral notifications)", async () => {
    const out = await sendOk(["--user", "cli-live", "--ephemeral"]);
    assert.equal(out.idempotencyKey, "");
    assert.equal(out.results[0]!.seq, "0");
  });

  test("a send that fails says which key to retry with; the retry is stored once", async () => {
    const deadPort = await freePort();
    const failed = await send(["--user", "cli-retry", "--subject", "retried"], `127.0.0.1:${deadPort}`);
    assert.notEqual(failed.code, 0);
    const key = /--idempotency-key (\S+)/.exec(failed.stderr)?.[1];
    assert.match(key ?? "", UUID, `stderr: ${failed.stderr}`);

    const retried = await sendOk(["--user", "cli-retry", "--subject", "retried", "--idempotency-key", key!]);
    const again = await sendOk(["--user", "cli-retry", "--subject", "retried", "--idempotency-key", key!]);
    assert.equal(retried.results[0]!.duplicate, false);
    assert.equal(again.results[0]!.duplicate, true);
    assert.equal((await listAll(node.rpc, "cli-retry")).length, 1);
  });
});
