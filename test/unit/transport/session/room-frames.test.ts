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
import { PresenceAction, Scope, ServerFrame } from "../../../../gen/herald/gateway/v1/envelope.js";

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

test("a room event push is the shared event body wrapped with the subscription id and scope: exactly ServerFrame.toJSON's", () => {
  fc.assert(
    fc.property(roomEvent, subId, fc.constantFrom("in" as const, "out" as const), (e, id, scope) => {
      const got = roomEventPush(e, scope).frameFor(subscriptionIdMember(id)).toString();
      const protoScope = scope === "in" ? Scope.SCOPE_IN : Scope.SCOPE_OUT;
      assert.equal(got, expected({ $case: "roomEvent", value: { subscriptionId: id, event: roomEventToProto(e), scope: protoScope } }));
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
  const push = roomEventPush(e!, "in");
  assert.equal(roomEventPush(e!, "in"), push, "one shared push per event object and scope");
  assert.notEqual(roomEventPush(e!, "out"), push);
  const a = push.frameFor(subscriptionIdMember("a"));
  assert.equal(push.frameFor(subscriptionIdMember("a")), a, "the same bytes, not a copy");
  const b = push.frameFor(subscriptionIdMember("b"));
  assert.equal(JSON.parse(b.toString()).roomEvent.scope, "SCOPE_IN");
  assert.equal(JSON.parse(a.toString()).roomEvent.subscriptionId, "a");
  const typing = new SharedPush("typingEvent", typingBody("r", "u", true));
  assert.deepEqual(JSON.parse(typing.frameFor(subscriptionIdMember("s")).toString()), {
    typingEvent: { subscriptionId: "s", roomId: "r", userId: "u", typing: true },
  });
});

test("a subscription id names the room and the options: stable, the same for a filter in another key order, distinct otherwise", () => {
  const plain = { filter: null, scope: "all", users: "none" } as const;
  const id = subscriptionIdOf("team:42", plain);
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(subscriptionIdOf("team:42", { ...plain }), id);
  assert.notEqual(subscriptionIdOf("team:42", { ...plain, users: "all" }), id);
  assert.notEqual(subscriptionIdOf("team:42", { ...plain, scope: "in" }), id);
  assert.notEqual(subscriptionIdOf("team:43", plain), id);
  const f = subscriptionIdOf("team:42", { ...plain, filter: { and: [{ equals: { a: 1 } }, { range: { n: { gt: 1, lt: 5 } } }] } });
  assert.notEqual(f, id);
  assert.equal(subscriptionIdOf("team:42", { ...plain, filter: { and: [{ equals: { a: 1 } }, { range: { n: { lt: 5, gt: 1 } } }] } }), f);
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
