import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, test } from "vitest";
import { JoinPolicy } from "../../../gen/herald/v1/room.js";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { connectRoomClient, roomOptions } from "../../support/room-grpc.js";
import { buildSdk, jsBlocks, runModule, SDK_DIR } from "../../support/sdk-build.js";

/**
 * The SDK README's examples, run as they are written: every ```js block, in
 * order, as one script (the built package imported as `@herald/client`),
 * against a real node in development mode (its POST /dev/token gives the
 * token); only the README's address 127.0.0.1:8080 is replaced by the node's.
 */
describe("the SDK README's examples run against a real node", () => {
  let h: TestHeraldWithDatabase;

  beforeAll(async () => {
    await buildSdk();
    h = await startTestHeraldOnNewDatabase(POSTGRES);
  });
  afterAll(async () => {
    await h?.stop();
  });

  test("connect, inbox, rooms and disconnect print what the README says they do", async () => {
    const rc = connectRoomClient(h.grpcPort, h.apiKey);
    try {
      await rc.rooms.createRoom({
        roomId: "team:42",
        options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_OPEN, membersCanPublish: true, membersCanEdit: true, presence: true }),
      });
    } finally {
      rc.client.close();
    }
    await h.rpc.sendNotifications({
      notifications: ["first", "second", "third"].map((subject) => outgoing({ userIds: ["alice"], subject })),
    });

    const readme = readFileSync(path.join(SDK_DIR, "README.md"), "utf8");
    const blocks = jsBlocks(readme);
    assert.ok(blocks.length >= 4, `the README's js blocks (found ${blocks.length})`);
    assert.ok(readme.includes("127.0.0.1:8080"));
    const script = blocks.join("\n").replaceAll("127.0.0.1:8080", `127.0.0.1:${h.httpPort}`);
    const run = await runModule(script);
    const out = run.stdout.split("\n");
    assert.equal(run.code, 0, `the script failed:\n${run.stderr}\n${run.stdout}`);
    assert.equal(run.stderr, "", "no error event, no warning");
    for (const line of [
      "state: disconnected -> connecting",
      "state: connecting -> connected",
      "inbox #3: third (unread)",
      "inbox #1: first (unread)",
      "unread before: 3",
      "unread after one read: 2",
      "unread after mark all read: 0",
      "history: hello, edited",
      "in the room: 1 (alice)",
      "state: connected -> disconnected",
      "final state: disconnected",
    ])
      assert.ok(out.includes(line), `missing line "${line}" in:\n${run.stdout}`);
    assert.ok(out.indexOf("unread after one read: 2") < out.indexOf("unread after mark all read: 0"), "in the order of the examples");
  });
});
