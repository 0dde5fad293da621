import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, test } from "vitest";
import { DataDirLock, DataDirLockedError, LOCK_FILE_NAME } from "../../../src/storage/data-dir-lock.js";
import { openDatabase } from "../../../src/storage/database.js";
import { createPgliteDatabase, type TestDatabase } from "../../support/databases.js";
import { listAll, outgoing } from "../../support/grpc.js";
import { HeraldNode } from "../../support/herald-node.js";

/**
 * Issue 8, point 8: two processes on one PGlite data directory both started
 * and acknowledged writes, and one's were lost at the next restart. The
 * directory is now locked by the process that opens it.
 */
describe("one PGlite data directory, two processes", () => {
  let tdb: TestDatabase;
  const nodes: HeraldNode[] = [];

  beforeAll(async () => {
    tdb = await createPgliteDatabase();
  });

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.cleanup()));
    await tdb?.drop();
  });

  function start(nodeId: string): Promise<HeraldNode> {
    const started = HeraldNode.start({ nodeId, databaseUrl: "", natsUrl: "", env: tdb.env, readyTimeoutMs: 60_000 });
    void started.then(
      (n) => nodes.push(n),
      () => undefined,
    );
    return started;
  }

  test("the second process refuses to start, naming the directory and the holder's PID; a killed holder's lock is taken over; a stop releases it", async () => {
    const dir = tdb.env.HERALD_DATA_DIR!;
    const lockFile = path.join(dir, LOCK_FILE_NAME);
    const first = await start("first");
    assert.equal(readFileSync(lockFile, "utf8").trim(), String(first.pid), "the lock file holds the PID");
    const sent = await first.rpc.sendNotifications({
      notifications: [outgoing({ userIds: ["durable"], subject: "acknowledged by the first" })],
    });

    await assert.rejects(start("second"), (err: Error) => {
      assert.match(err.message, /exited \(1\) before it was ready/);
      assert.ok(err.message.includes(`PGlite data directory ${dir} is in use by another Herald process (pid ${first.pid})`), err.message);
      return true;
    });
    assert.ok(first.running, "the first process goes on serving");
    assert.equal((await listAll(first.rpc, "durable")).length, 1);
    // In this process too: the directory cannot be opened while a node holds it.
    assert.throws(
      () => openDatabase(tdb.options),
      (e: unknown) => e instanceof DataDirLockedError && e.pid === first.pid,
    );

    // A process killed outright leaves its lock behind: its PID no longer runs, so the lock is stale.
    await first.kill();
    assert.ok(existsSync(lockFile));
    const third = await start("third");
    assert.equal(readFileSync(lockFile, "utf8").trim(), String(third.pid));
    const kept = await listAll(third.rpc, "durable");
    assert.deepEqual(
      kept.map((n) => n.id),
      [sent.results[0]!.notificationId],
      "the acknowledged write survived",
    );

    assert.equal(await third.sigterm(), 0);
    assert.equal(existsSync(lockFile), false, "a graceful stop removes the lock file");
  });
});

describe("DataDirLock", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "herald-lock-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("refused while held (this process too); taken over from a PID that does not run or an old file without one; released once", () => {
    const file = path.join(dir, LOCK_FILE_NAME);
    const lock = DataDirLock.acquire(dir);
    assert.throws(
      () => DataDirLock.acquire(dir),
      (e: unknown) => e instanceof DataDirLockedError && e.pid === process.pid && e.message.includes(dir),
    );
    lock.release();
    lock.release();
    assert.equal(existsSync(file), false);

    writeFileSync(file, "2147483646\n"); // no such process
    DataDirLock.acquire(dir).release();
    writeFileSync(file, ""); // a writer between create and write: refused while the file is fresh
    assert.throws(() => DataDirLock.acquire(dir), DataDirLockedError);
    utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000)); // ... and stale once old
    const again = DataDirLock.acquire(dir);
    assert.equal(readFileSync(file, "utf8").trim(), String(process.pid));
    again.release();
  });
});
