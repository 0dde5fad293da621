import assert from "node:assert/strict";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, test } from "vitest";
import { POSTGRES } from "../../support/databases.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../../support/room-grpc.js";
import { waitFor } from "../../support/wait.js";
import { devToken, TestClient } from "../../support/ws-client.js";
import { Recorder } from "./sio-client.js";

const PUBLISHABLE = "pk_test_minchat_0123456789";

/** Seed 001 (MinChat): its snippets, nearly verbatim, on the default namespace. */
describe("Socket.IO endpoint: seed 001 (MinChat), default namespace", () => {
  let h: TestHeraldWithDatabase;
  let url: string;
  let rooms: RoomRpc;
  let closeRooms: () => void;
  const sockets: Socket[] = [];
  const natives: TestClient[] = [];
  const connect = () => {
    // The seed's line, but for the URL.
    const socket = io(url, { transports: ["websocket"], forceNew: true });
    sockets.push(socket);
    return { socket, r: new Recorder(socket) };
  };
  const room = async (roomId: string, members: string[]) => {
    await rooms.createRoom({ roomId, options: roomOptions({ membersCanPublish: true, membersCanEdit: true }) });
    await rooms.addRoomMembers({ roomId, userIds: members });
  };

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_SOCKETIO_PUBLISHABLE_KEYS: PUBLISHABLE });
    url = `http://127.0.0.1:${h.httpPort}`;
    const c = connectRoomClient(h.grpcPort);
    rooms = c.rooms;
    closeRooms = () => c.client.close();
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(natives.map((c) => c.close()));
    closeRooms?.();
    await h?.stop();
  });

  test("JWT: room.user.join, room.join, then message, message.update, message.delete, typing and chat as the seed lists them", async () => {
    await room("team:1", ["alice", "bob"]);
    await room("team:2", ["alice", "bob"]);
    const CHAT_ID = "team:1";
    const { socket, r } = connect();
    const chats: any[] = [];
    socket?.on("chat", (chatData) => {
      chats.push(chatData);
    });
    socket.emit("room.user.join", { channelUserId: "alice", token: await devToken("alice") });
    const aliceJoined = new Promise((resolve) => socket.emit("room.join", { channelId: CHAT_ID }, resolve));
    const got: Record<string, any[]> = { message: [], update: [], delete: [], start: [], stop: [] };
    socket.on("message", (messageData) => got.message!.push(messageData));
    socket.on("message.update", (messageData) => got.update!.push(messageData));
    socket.on("message.delete", (messageId) => got.delete!.push(messageId));
    socket.on("typing.start", (userData) => got.start!.push(userData));
    socket.on("typing.stop", (userData) => got.stop!.push(userData));
    await r.wait("session");
    assert.equal(((await aliceJoined) as any).roomId, CHAT_ID);
    const bob = connect();
    bob.socket.emit("room.user.join", { channelUserId: "bob", token: await devToken("bob") });
    const joined = await bob.r.request("room.join", { channelId: CHAT_ID });
    assert.equal(joined.roomId, CHAT_ID);
    assert.deepEqual(await bob.r.request("typing.start", { channelId: CHAT_ID }), {});
    const [start] = await r.wait("typing.start");
    assert.deepEqual(start, { userId: "bob", channelId: CHAT_ID });
    const published = await bob.r.request("message", { channelId: CHAT_ID, text: "hi alice" });
    const [m] = await r.wait("message");
    assert.equal(m.id, published.messageId);
    assert.equal(m.text, "hi alice");
    assert.equal(m.userId, "bob");
    assert.equal(m.channelId, CHAT_ID);
    assert.equal(chats.filter((c) => c.messageId === published.messageId).length, 1, "chat for a joined conversation too");
    await bob.r.request("message.update", { channelId: CHAT_ID, messageId: published.messageId, text: "hi again" });
    const [u] = await r.wait("message.update");
    assert.equal(u.text, "hi again");
    await bob.r.request("message.delete", { channelId: CHAT_ID, messageId: published.messageId });
    assert.deepEqual(await r.wait("message.delete"), [published.messageId]);
    await bob.r.request("typing.stop", { channelId: CHAT_ID });
    assert.deepEqual((await r.wait("typing.stop"))[0], { userId: "bob", channelId: CHAT_ID });
    // A message in a conversation alice has not joined: `chat` only.
    await rooms.publishRoomMessages({ messages: [roomMessage({ roomId: "team:2", senderId: "bob", content: { text: "elsewhere" } })] });
    await r.wait("chat", 2);
    assert.equal(chats[1].channelId, "team:2");
    assert.equal(got.message!.length, 1, "no `message` for a conversation not joined");
    // Bob's own message is not a `chat` for bob.
    assert.equal(bob.r.of("chat").filter((c) => c.senderId === "bob").length, 0);
  });

  test("a room message published by a native WebSocket client reaches the Socket.IO client", async () => {
    await room("team:3", ["carol", "dan"]);
    const { socket, r } = connect();
    socket.emit("room.user.join", { token: await devToken("carol") });
    await r.request("room.join", { channelId: "team:3" });
    const native = await TestClient.connect(`ws://127.0.0.1:${h.httpPort}/ws`, "dan");
    natives.push(native);
    await native.request({ publish: { roomId: "team:3", content: { text: "from native" } } });
    const [m] = await r.wait("message");
    assert.equal(m.text, "from native");
    assert.equal(m.seq, 1);
    // After room.leave the room's messages come as `chat` only (the room is no longer joined here).
    assert.deepEqual(await r.request("room.leave", { channelId: "team:3" }), {});
    const second = await native.request({ publish: { roomId: "team:3", content: { text: "after leave" } } });
    const notice = await waitFor(() => r.of("chat").find((c) => c.messageId === second.publish.messageId), {
      message: "a chat notice for the message published after the leave",
    });
    assert.equal(notice.message, undefined, "a notice, not the message");
    assert.equal(r.of("message").length, 1);
  });

  test("one room message reaches WebSocket and long-polling clients alike; no `chat` without room.user.join", async () => {
    await room("team:9", ["gil", "hal", "ivy"]);
    const clients = await Promise.all(
      [
        ["gil", ["websocket"]],
        ["hal", ["polling"]],
      ].map(async ([user, transports]) => {
        const socket = io(url, { transports: transports as string[], forceNew: true, auth: { token: await devToken(user as string) } });
        sockets.push(socket);
        const r = new Recorder(socket);
        await r.wait("session");
        await r.request("room.join", { channelId: "team:9" });
        return r;
      }),
    );
    const native = await TestClient.connect(`ws://127.0.0.1:${h.httpPort}/ws`, "ivy");
    natives.push(native);
    for (const text of ["one", "two"]) await native.request({ publish: { roomId: "team:9", content: { text } } });
    for (const r of clients) {
      const got = await r.wait("message", 2);
      assert.deepEqual(
        got.map((m) => [m.text, m.seq, m.userId, m.channelId]),
        [
          ["one", 1, "ivy", "team:9"],
          ["two", 2, "ivy", "team:9"],
        ],
      );
      await r.request("herald", { ping: {} }); // a round trip after the pushes: nothing else is on its way
      assert.equal(r.of("chat").length, 0, "chat is for clients that did room.user.join");
    }
    assert.equal(clients[1]!.socket.io.engine.transport.name, "polling");
  });

  test("MinChat's apiKey + channelUserId works only with a publishable key; a backend API key is refused", async () => {
    await room("team:4", ["erin"]);
    const { socket, r } = connect();
    const USER_ID = "erin";
    const YOUR_API_KEY = PUBLISHABLE;
    socket.emit("room.user.join", { channelUserId: USER_ID, apiKey: YOUR_API_KEY });
    await new Promise((resolve) => socket.emit("room.join", { channelId: "team:4", apiKey: YOUR_API_KEY }, resolve));
    const [s] = await r.wait("session");
    assert.equal(s.user_id, "erin");
    await rooms.publishRoomMessages({ messages: [roomMessage({ roomId: "team:4", content: { text: "to erin" } })] });
    assert.equal((await r.wait("message"))[0].text, "to erin");
    // A backend removes erin from the room: `room.left`, and the channel is no longer joined here.
    await rooms.removeRoomMembers({ roomId: "team:4", userIds: ["erin"] });
    assert.deepEqual((await r.wait("room.left"))[0], { channelId: "team:4", reason: "removed" });
    assert.equal((await r.request("room.leave", { channelId: "team:4" })).error.code, "not_found");

    const bad = connect();
    bad.socket.emit("room.user.join", { channelUserId: "erin", apiKey: h.apiKey });
    assert.equal(await bad.r.disconnected(), "io server disconnect");
    assert.equal(bad.r.of("error")[0], "Invalid authentication token");
  });

  test("events before authentication are refused with `error`; a malformed payload is answered, the socket stays", async () => {
    const { socket, r } = connect();
    const early = await r.request("room.join", { channelId: "team:1" });
    assert.equal(early.error.code, "unauthenticated");
    socket.emit("room.user.join", { token: await devToken("frank") });
    await r.wait("session");
    const bad = await r.request("message", { text: "no channel" });
    assert.equal(bad.error.code, "invalid_argument");
    assert.equal(bad.error.field, "message.channelId");
    assert.ok(socket.connected);
  });
});
