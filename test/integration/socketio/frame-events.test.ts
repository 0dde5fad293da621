import assert from "node:assert/strict";
import { describe, test } from "vitest";
import { HeraldError } from "../../../src/domain/errors.js";
import { SystemCode } from "../../../src/domain/notification.js";
import type { RoomEvent } from "../../../src/domain/room.js";
import { roomEventPush, subscriptionIdMember, subscriptionPush, typingBody } from "../../../src/transport/session/room-frames.js";
import { errorFrame, notificationPush, systemEventPush } from "../../../src/transport/session/server-frames.js";
import { Server } from "socket.io";
import { FrameTranslator } from "../../../src/transport/socketio/frame-events.js";
import { encodeShared } from "../../../src/transport/socketio/shared-packets.js";

/** The frames come from the native encoders themselves, so a change there that breaks the mapping fails here. */
describe("native frames as Socket.IO events (FrameTranslator)", () => {
  const t = new FrameTranslator({ typeField: "type", typeByCode: { 7: "comment" } });
  const at = new Date("2026-12-04T21:40:00.123Z");
  const notification = (o: Partial<Parameters<typeof notificationPush>[0]> = {}) => ({
    id: "01a212ce-234b-76ce-87ca-260c308ca623",
    userId: "alice",
    seq: 4,
    code: 7,
    subject: "User X commented",
    content: { post: 9 },
    senderId: "x",
    persistent: true,
    createdAt: at,
    readAt: null,
    expireAt: null,
    ackAt: null,
    ...o,
  });

  test("a notification: Matcha's fields plus Herald's, with an acknowledgement id", () => {
    const [out] = t.translate(notificationPush(notification()));
    assert.equal(out!.kind, "event");
    assert.ok(out!.kind === "event");
    assert.equal(out!.name, "notification");
    assert.equal(out!.ackId, "01a212ce-234b-76ce-87ca-260c308ca623");
    assert.deepEqual(out!.args[0], {
      type: "comment",
      from: "x",
      timestamp: "2026-12-04T21:40:00.123Z",
      message: "User X commented",
      notification_id: "01a212ce-234b-76ce-87ca-260c308ca623",
      seq: 4,
      code: 7,
      content: { post: 9 },
      subject: "User X commented",
      persistent: true,
    });
    const [fromContent] = t.translate(
      notificationPush(notification({ code: 1, senderId: "", content: { type: "like", from: "u2", message: "liked" } })),
    );
    assert.ok(fromContent!.kind === "event");
    const p = fromContent!.args[0] as any;
    assert.deepEqual([p.type, p.from, p.message], ["like", "u2", "liked"]);
  });

  test("state sync, token expiry, errors and replies", () => {
    const read = t.translate(
      systemEventPush({ code: SystemCode.READ_ELSEWHERE, reason: "", notificationIds: ["a"], upToSeq: 0, unreadCount: 2, time: at }),
    );
    assert.deepEqual(read, [{ kind: "event", name: "notifications read", args: [{ notification_ids: ["a"], unread_count: 2 }] }]);
    const expired = t.translate(
      systemEventPush({
        code: SystemCode.TOKEN_EXPIRED,
        reason: "token expired",
        notificationIds: [],
        upToSeq: 0,
        unreadCount: 0,
        time: at,
      }),
    );
    assert.ok(expired[0]!.kind === "event");
    assert.deepEqual([expired[0]!.name, expired[0]!.args[0]], ["error", "Token expired"]);
    const bad = t.translate(errorFrame(0, new HeraldError("unauthenticated", "Invalid authentication token: expired")));
    assert.ok(bad[0]!.kind === "event");
    assert.deepEqual(bad[0]!.args, [
      "Invalid authentication token",
      { code: "unauthenticated", message: "Invalid authentication token: expired" },
    ]);
    assert.deepEqual(t.translate('{"id":3,"ack":{"acknowledgedCount":1}}'), [
      { kind: "reply", id: 3, body: { ack: { acknowledgedCount: 1 } } },
    ]);
  });

  test("room pushes: message (and chat), update, delete, typing; one mapping per shared buffer", () => {
    const message = {
      id: "m1",
      roomId: "team:1",
      senderId: "bob",
      content: { text: "hi" },
      tags: {},
      createdAt: at,
      updatedAt: at,
      seq: 5,
      deleted: false,
    };
    const ev = (kind: RoomEvent["kind"]): RoomEvent => ({
      roomId: "team:1",
      seq: 5,
      kind,
      message,
      previousContent: null,
      previousTags: null,
      time: at,
      persistent: true,
    });
    const id = subscriptionIdMember("sub1");
    const frame = roomEventPush(ev("message"), "in").frameFor(id);
    const out = t.translate(frame);
    assert.equal(t.translate(frame), out, "a shared buffer is mapped once");
    assert.deepEqual(
      out.map((o) => (o.kind === "event" ? o.name : "")),
      ["message", "chat"],
    );
    assert.ok(out[0]!.kind === "event" && out[1]!.kind === "event");
    const m = out[0]!.args[0] as any;
    assert.equal(m.text, "hi");
    assert.equal(m.userId, "bob");
    assert.equal(out[1]!.senderId, "bob");
    const upd = t.translate(roomEventPush(ev("message_update"), "in").frameFor(id));
    assert.ok(upd[0]!.kind === "event");
    assert.equal(upd[0]!.name, "message.update");
    const del = t.translate(roomEventPush(ev("message_delete"), "in").frameFor(id));
    assert.ok(del[0]!.kind === "event");
    assert.deepEqual([del[0]!.name, del[0]!.args[0]], ["message.delete", "m1"]);
    const typing = t.translate(Buffer.from(subscriptionPush("typingEvent", id, typingBody("team:1", "bob", true))));
    assert.deepEqual(typing, [{ kind: "event", name: "typing.start", args: [{ userId: "bob", channelId: "team:1" }], shared: new Map() }]);
  });

  test("a room event is encoded once per namespace, its WebSocket frame included", () => {
    const shared = encodeShared(new Server(), "/", "message", [{ id: "m1", text: "hi" }]);
    assert.deepEqual(shared.packets, ['2["message",{"id":"m1","text":"hi"}]']);
    const frame = shared.opts.wsPreEncodedFrame;
    assert.ok(frame !== undefined, "the frame is built once, not by each socket's send");
    const bytes = Buffer.concat(frame);
    const payload = Buffer.from('42["message",{"id":"m1","text":"hi"}]');
    // FIN + text opcode, an unmasked 7-bit length, then the Engine.IO message packet as is.
    assert.deepEqual([bytes[0], bytes[1]], [0x81, payload.length]);
    assert.deepEqual(bytes.subarray(2), payload);
  });
});
