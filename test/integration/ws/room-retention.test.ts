import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { POSTGRES } from "../../support/databases.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../../support/room-grpc.js";
import { TestClient } from "../../support/ws-client.js";

/**
 * "Never a silent gap": retention that purges events a subscription has not
 * received yet, while it is catching up, ends the subscription with
 * `unsubscribed` (HISTORY_PURGED) instead of skipping them. The user's read
 * budget is tiny here (10 KiB/s, bursts of 16 KiB), so after its first page
 * (~45 KB) the catch-up of 300 events waits about 3 s for the next, and the
 * purge (every second) runs in between.
 */
describe("room retention during a catch-up (real node, Postgres)", () => {
  let h: TestHeraldWithDatabase;
  let rooms: RoomRpc;
  let closeRpc: () => void;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, {
      HERALD_PURGE_INTERVAL_MS: "1000",
      HERALD_WS_READ_BYTES_PER_SEC: "10240",
      HERALD_WS_READ_BURST_BYTES: "16384",
    });
    const c = connectRoomClient(h.grpcPort, h.apiKey);
    rooms = c.rooms;
    closeRpc = () => c.client.close();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    closeRpc?.();
    await h?.stop();
  });

  test("events purged while a subscription catches up end it with HISTORY_PURGED; a rejoin says recovered false", async () => {
    await rooms.createRoom({ roomId: "feed:1", options: roomOptions() });
    await rooms.addRoomMembers({ roomId: "feed:1", userIds: ["reader"] });
    await rooms.publishRoomMessages({
      messages: Array.from({ length: 300 }, (_, i) => roomMessage({ roomId: "feed:1", content: { i, pad: "x".repeat(100) } })),
    });
    const c = await TestClient.connect(h.wsUrl, "reader");
    clients.push(c);
    const joined = await c.request({ join: { roomId: "feed:1", resume: true } });
    assert.equal(joined.join?.recovered, true);
    const id = joined.join.subscriptionId;
    await c.waitFrame((f) => f.roomEvent?.subscriptionId === id, "the first page of the catch-up");
    await rooms.updateRoom({ roomId: "feed:1", options: roomOptions({ historyMaxCount: 10 }) });

    const ended = await c.waitFrame((f) => f.unsubscribed?.subscriptionId === id, "unsubscribed", 15_000);
    assert.equal(ended.unsubscribed.reason, "UNSUBSCRIBE_REASON_HISTORY_PURGED");
    const seqs = c.frames.filter((f) => f.roomEvent?.subscriptionId === id).map((f) => Number(f.roomEvent.event.seq));
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      "what arrived is 1..n without a gap",
    );
    assert.ok(seqs.length < 290, `only what was kept when it was read (${seqs.length} events)`);
    const lastEvent = c.frames.reduce((at, f, i) => (f.roomEvent?.subscriptionId === id ? i : at), -1);
    assert.ok(c.frames.indexOf(ended) > lastEvent, "nothing after the unsubscribed push");

    // A rejoin the same way has the same id (it names the room and options): only frames from here on are its.
    const mark = c.frames.length;
    const again = await c.request({ join: { roomId: "feed:1", sinceSeq: seqs.length } });
    assert.ok(again.join, JSON.stringify(again));
    assert.equal(
      again.join.recovered ?? false,
      false,
      "the rejoin says events after since_seq were purged (false is omitted in proto3 JSON)",
    );
    const rid = again.join.subscriptionId;
    assert.equal(rid, id);
    await c.waitFrame((f) => f.roomEvent?.subscriptionId === rid && f.roomEvent.event.seq === "300", "the kept events", 15_000);
    assert.deepEqual(
      c.frames
        .slice(mark)
        .filter((f) => f.roomEvent?.subscriptionId === rid)
        .map((f) => Number(f.roomEvent.event.seq)),
      Array.from({ length: 10 }, (_, i) => 291 + i),
    );
  });
});
