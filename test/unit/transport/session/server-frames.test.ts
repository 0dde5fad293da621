import assert from "node:assert/strict";
import { test } from "vitest";
import fc from "fast-check";
import { notificationToProto } from "../../../../src/codec/proto-convert.js";
import type { Notification } from "../../../../src/domain/notification.js";
import { notificationPush } from "../../../../src/transport/session/server-frames.js";
import { notificationPayload, notificationPayloadJson } from "../../../../src/transport/socketio/frame-events.js";
import { ServerFrame } from "../../../../gen/herald/gateway/v1/envelope.js";

const date = fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true });
const notification: fc.Arbitrary<Notification> = fc.record({
  id: fc.uuid(),
  userId: fc.string({ minLength: 1 }),
  seq: fc.nat(),
  code: fc.integer({ min: -7, max: 2 ** 31 - 1 }),
  subject: fc.string(),
  content: fc.dictionary(fc.string(), fc.jsonValue()) as fc.Arbitrary<Record<string, unknown>>,
  senderId: fc.string(),
  persistent: fc.boolean(),
  createdAt: date,
  readAt: fc.option(date, { nil: null }),
  expireAt: fc.option(date, { nil: null }),
  ackAt: fc.option(date, { nil: null }),
});

test("the hand-written push frame is exactly ServerFrame.toJSON's proto3 JSON", () => {
  fc.assert(
    fc.property(notification, (n) => {
      const want = JSON.stringify(ServerFrame.toJSON({ id: 0, body: { $case: "notification", value: notificationToProto(n) } }));
      assert.equal(notificationPush(n), want);
    }),
    { numRuns: 2000 },
  );
});

test("recipients of one broadcast share the content encoding but get their own frames", () => {
  const content = { t: 1, nested: { a: [1, 2] } };
  const base = {
    seq: 0,
    code: 1,
    subject: "",
    content,
    senderId: "",
    persistent: false,
    createdAt: new Date(0),
    readAt: null,
    expireAt: null,
    ackAt: null,
  };
  const a = notificationPush({ ...base, id: "01a212fd-a49f-7668-9427-28782646eb29", userId: "a" });
  const b = notificationPush({ ...base, id: "01a212fd-a49f-7668-9427-28782646eb30", userId: "b" });
  assert.notEqual(a, b);
  assert.deepEqual(JSON.parse(a).notification.content, content);
  assert.deepEqual(JSON.parse(b).notification.content, content);
});

test("Socket.IO's notification payload written from the domain is the one mapped from the push frame", () => {
  const types = { typeField: "type", typeByCode: { 7: "comment", [-2]: "banned" } };
  const matchaContent = fc.record(
    {
      type: fc.oneof(fc.string(), fc.integer()),
      from: fc.oneof(fc.string(), fc.constant(null)),
      message: fc.oneof(fc.string(), fc.boolean()),
    },
    { requiredKeys: [] },
  );
  const withMatchaFields = fc
    .tuple(notification, matchaContent, fc.constantFrom(0, 7, -2))
    .map(([n, extra, code]) => ({ ...n, code: n.code % 3 === 0 ? code : n.code, content: { ...n.content, ...extra } }));
  fc.assert(
    fc.property(withMatchaFields, (n) => {
      const mapped = notificationPayload(JSON.parse(notificationPush(n)).notification, types);
      assert.equal(notificationPayloadJson(n, types), JSON.stringify(mapped));
    }),
    { numRuns: 2000 },
  );
});
