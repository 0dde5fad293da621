import assert from "node:assert/strict";
import { test } from "vitest";
import fc from "fast-check";
import { REASON_TO_PROTO, roomEventToProto } from "../../../../src/codec/room-convert.js";
import type { RoomEvent, UnsubscribeReason } from "../../../../src/domain/room.js";
import {
  presenceBody,
  roomActivityPush,
  roomEventBody,
  roomEventPush,
  SharedPush,
  subscriptionIdMember,
  subscriptionIdOf,
  subscriptionPush,
  typingBody,
  unsubscribedBody,
} from "../../../../src/transport/session/room-frames.js";
import { PresenceAction, ServerFrame } from "../../../../gen/herald/gateway/v1/envelope.js";

const date = fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true });
const json = fc.dictionary(fc.string(), fc.jsonValue()) as fc.Arbitrary<Record<string, unknown>>;
const roomId = fc.string({ minLength: 1, maxLength: 20 });
const subId = fc.uuid();

const roomEvent: fc.Arbitrary<RoomEvent> = fc
  .record({
    roomId,
    seq: fc.nat(),
    kind: fc.constantFrom("message", "message_update", "message_delete"),
    id: fc.uuid(),
    senderId: fc.string(),
    content: json,
    tags: fc.dictionary(fc.string(), fc.string()),
    createdAt: date,
    updatedAt: date,
    deleted: fc.boolean(),
    time: date,
  })
  .map((r) => ({
    roomId: r.roomId,
    seq: r.seq,
    kind: r.kind,
    message: {
      id: r.id,
      roomId: r.roomId,
      senderId: r.senderId,
      content: r.content,
      tags: r.tags,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      seq: r.seq,
      deleted: r.deleted,
    },
    previousContent: null,
    previousTags: null,
    time: r.time,
    persistent: r.seq > 0,
  }));

const expected = (body: NonNullable<ServerFrame["body"]>) => JSON.stringify(ServerFrame.toJSON({ id: 0, body }));

test("a room event push is the shared event body wrapped with the subscription id: exactly ServerFrame.toJSON's", () => {
  fc.assert(
    fc.property(roomEvent, subId, (e, id) => {
      const got = subscriptionPush("roomEvent", subscriptionIdMember(id), roomEventBody(e));
      assert.equal(got, expected({ $case: "roomEvent", value: { subscriptionId: id, event: roomEventToProto(e) } }));
    }),
    { numRuns: 1000 },
  );
});

test("typing, presence and unsubscribed pushes are exactly ServerFrame.toJSON's", () => {
  fc.assert(
    fc.property(roomId, fc.string(), fc.boolean(), subId, (room, user, typing, id) => {
      const member = subscriptionIdMember(id);
      assert.equal(
        subscriptionPush("typingEvent", member, typingBody(room, user, typing)),
        expected({ $case: "typingEvent", value: { subscriptionId: id, roomId: room, userId: user, typing } }),
      );
    }),
  );
  fc.assert(
    fc.property(
      roomId,
      fc.string(),
      fc.boolean(),
      fc.nat(),
      fc.option(json, { nil: null }),
      subId,
      (room, user, joined, count, vol, id) => {
        const body = presenceBody({ kind: "presence", roomId: room, userId: user, joined, userCount: count, volatile: vol });
        const action = joined ? PresenceAction.PRESENCE_ACTION_JOIN : PresenceAction.PRESENCE_ACTION_LEAVE;
        assert.equal(
          subscriptionPush("presenceEvent", subscriptionIdMember(id), body),
          expected({
            $case: "presenceEvent",
            value: { subscriptionId: id, roomId: room, userId: user, action, userCount: count, volatile: vol ?? undefined },
          }),
        );
      },
    ),
  );
  const reasons: UnsubscribeReason[] = ["removed", "room_deleted", "unsubscribed", "token_expired", "not_allowed"];
  fc.assert(
    fc.property(roomId, fc.constantFrom(...reasons), subId, (room, reason, id) => {
      assert.equal(
        subscriptionPush("unsubscribed", subscriptionIdMember(id), unsubscribedBody(room, reason)),
        expected({ $case: "unsubscribed", value: { subscriptionId: id, roomId: room, reason: REASON_TO_PROTO[reason] } }),
      );
    }),
  );
});

test("an event's body is encoded once and shared by every subscription; each push names its own subscription", () => {
  const [e] = fc.sample(roomEvent, 1);
  const body = roomEventBody(e!);
  assert.equal(roomEventBody(e!), body, "cached: the same string");
  const a = JSON.parse(subscriptionPush("roomEvent", subscriptionIdMember("a"), body));
  const b = JSON.parse(subscriptionPush("roomEvent", subscriptionIdMember("b"), body));
  assert.equal(a.roomEvent.subscriptionId, "a");
  assert.equal(b.roomEvent.subscriptionId, "b");
  assert.deepEqual(a.roomEvent.event, b.roomEvent.event);
});

test("an event's frame is one buffer for every subscription with the same id, and is the push's JSON", () => {
  const [e] = fc.sample(roomEvent, 1);
  const push = roomEventPush(e!);
  assert.equal(roomEventPush(e!), push, "one shared push per event object");
  const a = push.frameFor(subscriptionIdMember("a"));
  assert.equal(push.frameFor(subscriptionIdMember("a")), a, "the same bytes, not a copy");
  const b = push.frameFor(subscriptionIdMember("b"));
  assert.equal(b.toString(), subscriptionPush("roomEvent", subscriptionIdMember("b"), roomEventBody(e!)));
  assert.equal(JSON.parse(a.toString()).roomEvent.subscriptionId, "a");
  const typing = new SharedPush("typingEvent", typingBody("r", "u", true));
  assert.deepEqual(JSON.parse(typing.frameFor(subscriptionIdMember("s")).toString()), {
    typingEvent: { subscriptionId: "s", roomId: "r", userId: "u", typing: true },
  });
});

test("a subscription id names the room and the options: stable, distinct per room and per presence choice", () => {
  const id = subscriptionIdOf("team:42", { presence: false });
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(subscriptionIdOf("team:42", { presence: false }), id);
  assert.notEqual(subscriptionIdOf("team:42", { presence: true }), id);
  assert.notEqual(subscriptionIdOf("team:43", { presence: false }), id);
});

test("a room activity push is ServerFrame.toJSON's, encoded once per event", () => {
  fc.assert(
    fc.property(roomId, fc.uuid(), fc.nat(), fc.string(), (room, messageId, seq, senderId) => {
      const e = { kind: "room_activity" as const, roomId: room, messageId, seq, senderId };
      const text = roomActivityPush(e);
      assert.equal(text, expected({ $case: "roomActivity", value: { roomId: room, messageId, seq: String(seq), senderId } }));
      assert.equal(roomActivityPush(e), text);
    }),
  );
});
