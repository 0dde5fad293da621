import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { PGLITE } from "../../support/databases.js";
import { listAll } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../../support/room-grpc.js";
import { waitFor } from "../../support/wait.js";
import { TestClient } from "../../support/ws-client.js";

/**
 * A room with notify_offline on the embedded default (one node, PGlite): a
 * member with no connection finds the message in the inbox (ROOM_MESSAGE,
 * -8) and gets it pushed on resume; a connected member gets `roomActivity`
 * instead, and nothing stored.
 */
describe("room messages for members who are offline (one node, PGlite)", () => {
  let h: TestHeraldWithDatabase;
  let rooms: RoomRpc;
  let close: () => void;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(PGLITE);
    const c = connectRoomClient(h.grpcPort, h.apiKey);
    rooms = c.rooms;
    close = () => c.client.close();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    close?.();
    await h?.stop();
  });

  test("the offline member's inbox holds a ROOM_MESSAGE with the message, replayed on resume; the connected one's holds nothing", async () => {
    await rooms.createRoom({ roomId: "dm:ann+ben", options: roomOptions({ notifyOffline: true, membersCanPublish: true }) });
    await rooms.addRoomMembers({ roomId: "dm:ann+ben", userIds: ["ann", "ben", "cy"] });
    const ann = await TestClient.connect(h.wsUrl, "ann");
    clients.push(ann);
    const sent = await ann.request({ publish: { roomId: "dm:ann+ben", content: { text: "are you there?" } } });
    assert.ok(sent.publish, JSON.stringify(sent));
    const other = await TestClient.connect(h.wsUrl, "ben", { lastSeq: 0 });
    clients.push(other);
    const [n] = await other.waitNotifications(1);
    assert.equal(n!.code, -8);
    assert.equal(n!.seq, "1");
    assert.deepEqual(n!.content, {
      room_id: "dm:ann+ben",
      message_id: sent.publish.messageId,
      seq: 1,
      sender_id: "ann",
      content: { text: "are you there?" },
      count: 1,
    });
    assert.deepEqual(await listAll(h.rpc, "ann"), [], "the sender is not notified");

    // Now ben is connected: a message from a backend reaches him as roomActivity, and nothing is stored.
    const again = await rooms.publishRoomMessages({ messages: [roomMessage({ roomId: "dm:ann+ben", content: { text: "ping" } })] });
    const activity = await other.waitFrame((f) => f.roomActivity?.messageId === again.results[0]!.messageId, "room activity");
    assert.equal(activity.roomActivity.seq, "2");
    // cy is still offline: her second ROOM_MESSAGE is stored in the same batch as one for ben would be.
    await waitFor(async () => (await listAll(h.rpc, "cy")).length === 2, { message: "cy (offline) has both messages in her inbox" });
    assert.deepEqual(
      (await listAll(h.rpc, "ben")).map((x) => x.code),
      [-8],
      "ben was connected for the second: still only the first",
    );
    await other.request({ ping: {} });
    assert.equal(other.notifications().length, 1);
  });
});
