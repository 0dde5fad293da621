import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, test } from "vitest";
import { ensureBuilt } from "../../support/build.js";
import { PGLITE } from "../../support/databases.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { cleanEnv, run } from "../../support/processes.js";
import { TestClient } from "../../support/ws-client.js";

/**
 * The README's first-minute room example, as a user types it: `herald room`
 * create, add-member and publish, and the member's WebSocket receiving it.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const HERALD = path.join(ROOT, "bin/herald.mjs");

describe("herald room commands", () => {
  let node: TestHeraldWithDatabase;

  beforeAll(async () => {
    ensureBuilt();
    node = await startTestHeraldOnNewDatabase(PGLITE);
  });
  afterAll(() => node?.stop());

  async function herald(...args: string[]): Promise<Record<string, any>> {
    const r = await run(HERALD, ["room", ...args, "--addr", `127.0.0.1:${node.grpcPort}`, "--api-key", node.apiKey], {
      env: cleanEnv({}),
      cwd: ROOT,
    });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, any>;
  }

  test("create, add a member, publish: the member's connection gets the message with seq 1; history lists it", async () => {
    const created = await herald("create", "team:42", "--members-can-publish", "--presence", "--metadata", '{"title":"Team 42"}');
    assert.equal(created.room.roomId, "team:42");
    assert.equal(created.room.options.joinPolicy, 1);
    assert.deepEqual(created.room.options.metadata, { title: "Team 42" });
    assert.equal((await herald("add-member", "team:42", "--user", "alice")).addedCount, 1);

    const alice = await TestClient.connect(`ws://127.0.0.1:${node.httpPort}/ws`, "alice");
    try {
      const joined = await alice.request({ join: { roomId: "team:42" } });
      assert.ok(joined.join, JSON.stringify(joined));
      const published = await herald("publish", "team:42", "--content", '{"text":"hello"}');
      assert.equal(published.results[0].seq, "1");
      const pushed = await alice.waitFrame((f) => f.roomEvent !== undefined, "room event");
      assert.equal(pushed.roomEvent.event.seq, "1");
      assert.deepEqual(pushed.roomEvent.event.message.content, { text: "hello" });
    } finally {
      await alice.close();
    }
    const history = await herald("history", "team:42");
    assert.deepEqual(
      history.page.messages.map((m: { content: unknown }) => m.content),
      [{ text: "hello" }],
    );
  });

  test("a bad subcommand or a missing room id is a usage error (exit 2) naming what is missing", async () => {
    const r = await run(HERALD, ["room", "frobnicate", "x"], { env: cleanEnv({}), cwd: ROOT });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /room needs a subcommand/);
    const r2 = await run(HERALD, ["room", "publish"], { env: cleanEnv({}), cwd: ROOT });
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /needs a room id/);
  });
});
