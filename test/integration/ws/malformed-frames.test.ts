import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import fc from "fast-check";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { type Frame, TestClient } from "../../support/ws-client.js";
import { OP_JSON_NAMES } from "../../../src/transport/session/client-frame.js";
import type { FieldKind } from "../../../src/transport/session/operation.js";
import { OPERATIONS } from "../../../src/transport/session/operations.js";

const MAX_ID = 2 ** 31 - 1;
// The operations and their fields, from the table the server validates with (generated ClientFrame oneof).
const OPS = OP_JSON_NAMES;
// A value of the wrong JSON type for each field kind of the ops.
type Kind = "string" | "bool" | "uint32" | "int64" | "string[]" | "struct" | "string_map" | "enum" | "message";
const FIELDS: Record<string, Record<string, Kind>> = Object.fromEntries(
  Object.entries(OPERATIONS)
    .filter(([, e]) => Object.keys(e.fields).length > 0)
    .map(([op, e]) => [
      op,
      Object.fromEntries(
        Object.entries(e.fields as Record<string, FieldKind>).map(([f, k]) => [
          f,
          typeof k === "string" ? k : "enum" in k ? "enum" : "message",
        ]),
      ),
    ]),
);
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const FIELD_NAMES = new Set(Object.values(FIELDS).flatMap((f) => Object.keys(f).flatMap((k) => [k, snake(k)])));
const wrongFor = (kind: string): fc.Arbitrary<unknown> => {
  const obj = fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 });
  switch (kind) {
    case "string":
      return fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), obj);
    case "bool":
      return fc.oneof(fc.integer(), fc.string(), fc.constant("true"), obj);
    case "uint32":
      return fc.oneof(
        fc.integer({ min: -1_000_000, max: -1 }),
        fc.double({ min: 0.1, max: 100, noInteger: true, noNaN: true }),
        fc.string(),
        fc.constant(2 ** 32),
        fc.boolean(),
      );
    case "int64":
      return fc.oneof(
        fc.integer({ min: -1_000_000, max: -1 }),
        fc.constant("12abc"),
        fc.constant("-5"),
        fc.double({ min: 0.1, max: 100, noInteger: true, noNaN: true }),
        fc.boolean(),
        obj,
      );
    case "string[]":
      return fc.oneof(fc.string(), fc.integer(), fc.array(fc.oneof(fc.integer(), fc.boolean(), obj), { minLength: 1, maxLength: 3 }));
    case "struct":
      return fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }));
    case "string_map":
      return fc.oneof(
        fc.integer(),
        fc.string(),
        fc.boolean(),
        fc.array(fc.string(), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.boolean(), obj), { minKeys: 1, maxKeys: 3 }),
      );
    case "message":
      return fc.oneof(
        fc.integer(),
        fc.string(),
        fc.boolean(),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.constantFrom({ nope: 1 }, { limit: -1 }, { cursor: 5 }, { direction: "LIST_DIRECTION_SIDEWAYS" }, { after_seq: "x" }),
      );
    default:
      return fc.oneof(
        fc.constant("LIST_DIRECTION_SIDEWAYS"),
        fc.integer({ min: 4, max: 1000 }),
        fc.integer({ min: -100, max: -1 }),
        fc.boolean(),
        obj,
      );
  }
};
// Keys that exist on every JS object's prototype: a lookup table must not mistake them for fields.
const PROTO_KEYS = fc.constantFrom("valueOf", "toString", "constructor", "hasOwnProperty", "__proto__", "isPrototypeOf");
const goodId = fc.integer({ min: 1, max: MAX_ID });
const badId = fc.oneof(
  fc.constant(0),
  fc.integer({ max: -1 }),
  fc.integer({ min: MAX_ID + 1, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ noInteger: true, noNaN: true }),
  fc.string(),
  fc.constant(null),
  fc.boolean(),
);

/** A malformed frame as text, with the id its error reply must carry (0 = none) and the allowed codes. */
type Case = { text: string; id: number; codes: string[] };
const notJson = fc.string({ maxLength: 40 }).filter((s) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return true;
  }
});
const malformed: fc.Arbitrary<Case> = fc.oneof(
  notJson.map((text) => ({ text, id: 0, codes: ["invalid_argument"] })),
  fc
    .oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string(), fc.array(fc.jsonValue(), { maxLength: 4 }))
    .map((v) => ({ text: JSON.stringify(v), id: 0, codes: ["invalid_argument"] })),
  fc
    .tuple(badId, fc.constantFrom(...OPS))
    .map(([id, op]) => ({ text: JSON.stringify({ id, [op]: {} }), id: 0, codes: ["invalid_argument"] })),
  fc.tuple(goodId, fc.constantFrom(...OPS)).map(([, op]) => ({ text: JSON.stringify({ [op]: {} }), id: 0, codes: ["invalid_argument"] })),
  goodId.map((id) => ({ text: JSON.stringify({ id }), id, codes: ["invalid_argument"] })),
  fc
    .tuple(goodId, fc.uniqueArray(fc.constantFrom("list", "ping", "delete", "ack", "authenticate"), { minLength: 2, maxLength: 3 }))
    .map(([id, ops]) => ({
      text: JSON.stringify(Object.fromEntries([["id", id], ...ops.map((o) => [o, {}])])),
      id,
      codes: ["invalid_argument"],
    })),
  fc
    .tuple(
      goodId,
      fc.oneof(
        fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "id" && !OPS.includes(k)),
        PROTO_KEYS,
      ),
    )
    .map(([id, op]) => ({
      text: JSON.stringify({ id, [op]: {} }),
      id,
      codes: ["unimplemented"],
    })),
  fc
    .tuple(goodId, fc.constantFrom(...OPS), fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 })))
    .map(([id, op, body]) => ({
      text: JSON.stringify({ id, [op]: body }),
      id,
      codes: ["invalid_argument"],
    })),
  fc
    .constantFrom(...Object.keys(FIELDS))
    .chain((op) => fc.tuple(fc.constant(op), fc.constantFrom(...Object.keys(FIELDS[op]!))))
    .chain(([op, field]) => fc.tuple(goodId, fc.constant(op), fc.constant(field), wrongFor(FIELDS[op]![field]!)))
    .map(([id, op, field, v]) => ({ text: JSON.stringify({ id, [op]: { [field]: v } }), id, codes: ["invalid_argument"] })),
  fc
    .tuple(
      goodId,
      fc.constantFrom(...OPS),
      fc.oneof(
        fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !FIELD_NAMES.has(k)),
        PROTO_KEYS,
      ),
    )
    .map(([id, op, k]) => ({ text: JSON.stringify({ id, [op]: { [k]: 1 } }), id, codes: ["invalid_argument"] })),
);

describe("malformed frames (property-based, fast-check)", () => {
  let h: TestHeraldWithDatabase;
  let base: string;

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, {
      HERALD_HTTP_PORT: "0",
      HERALD_WS_RATE_LIMIT_PER_SEC: "1000000",
      HERALD_WS_RATE_BURST: "1000000",
    });
    base = h.wsUrl;
  });
  afterAll(() => h?.stop());

  test("10,000 generated malformed frames each get their documented error; the server stays up and a control connection gets 20 of 20", async () => {
    const fuzzed = await TestClient.connect(base, "fuzz");
    const control = await TestClient.connect(base, "control");
    let next: ((f: Frame) => void) | undefined;
    fuzzed.ws.on("message", (d) => next?.(JSON.parse(d.toString())));
    const reply = (text: string) =>
      new Promise<Frame>((resolve) => {
        next = resolve;
        fuzzed.sendRaw(text);
      });

    let count = 0;
    const sends = (async () => {
      for (let i = 0; i < 20; i++) {
        await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["control"], code: 1, content: { i } })] });
      }
    })();
    await fc.assert(
      fc.asyncProperty(malformed, async (c) => {
        const f = await reply(c.text);
        count++;
        assert.ok(f.error, `expected an error frame for ${c.text}, got ${JSON.stringify(f)}`);
        assert.ok(c.codes.includes(f.error.code), `code ${f.error.code} for ${c.text}`);
        assert.equal(f.id ?? 0, c.id, `reply id for ${c.text}`);
      }),
      { numRuns: 10_000 },
    );
    await sends;
    assert.equal(count, 10_000);
    const got = await control.waitNotifications(20);
    assert.deepEqual(
      got.map((n) => n.content.i),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(fuzzed.closeCode, undefined, "the fuzzed connection stays open");
    assert.ok((await fuzzed.request({ ping: {} }, 1)).ping, "and usable");
    await fuzzed.close();
    await control.close();
  });
});
