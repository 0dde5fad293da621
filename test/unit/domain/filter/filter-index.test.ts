import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { HeraldError } from "../../../../src/domain/errors.js";
import type { FilterDocument } from "../../../../src/domain/filter/field-path.js";
import { type Filter, parseFilter } from "../../../../src/domain/filter/filter.js";
import { FilterIndex } from "../../../../src/domain/filter/filter-index.js";

function doc(content: Record<string, unknown>, envelope: Record<string, unknown> = {}): FilterDocument {
  return { content, envelope };
}

function sorted<K>(keys: Iterable<K>): K[] {
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function indexOf(filters: Record<string, unknown>): FilterIndex<string> {
  const index = new FilterIndex<string>();
  for (const [key, raw] of Object.entries(filters)) index.add(key, parseFilter(raw));
  return index;
}

describe("FilterIndex", () => {
  test("matches each shape: keyed equals / in, scan-list conjunctions, the empty filter", () => {
    const index = indexOf({
      eq: { equals: { user: "ann" } },
      in: { in: { user: ["bob", "ann"] } },
      range: { range: { n: { gt: 1 } } },
      notEq: { not: { equals: { user: "ann" } } },
      all: {},
      envelope: { ids: ["m1"] },
      nested: { and: [{ equals: { "a.b": 1 } }, { exists: "c" }] },
    });
    expect(sorted(index.match(doc({ user: "ann", n: 2 })))).toEqual(["all", "eq", "in", "range"]);
    expect(sorted(index.match(doc({ user: "bob" }, { _id: "m1" })))).toEqual(["all", "envelope", "in", "notEq"]);
    expect(sorted(index.match(doc({ a: { b: 1 }, c: null })))).toEqual(["all", "nested", "notEq"]);
    expect(sorted(index.match(doc({ a: { b: 1 } })))).toEqual(["all", "notEq"]);
    expect(index.size).toBe(7);
  });

  test("equality is type-exact in the index too", () => {
    const index = indexOf({
      one: { equals: { a: 1 } },
      text: { equals: { a: "1" } },
      yes: { equals: { a: true } },
      nil: { equals: { a: null } },
    });
    expect(index.match(doc({ a: 1 }))).toEqual(["one"]);
    expect(index.match(doc({ a: "1" }))).toEqual(["text"]);
    expect(index.match(doc({ a: true }))).toEqual(["yes"]);
    expect(index.match(doc({ a: null }))).toEqual(["nil"]);
    expect(index.match(doc({}))).toEqual([]);
    expect(index.match(doc({ a: [1] }))).toEqual([]);
    expect(index.match(doc({ a: { 1: 1 } }))).toEqual([]);
  });

  test("a key matched through several conjunctions is reported once", () => {
    const index = indexOf({
      k: { or: [{ equals: { a: 1 } }, { equals: { b: 1 } }, { range: { c: { gte: 0 } } }, { in: { a: [1, 2] } }] },
    });
    expect(index.match(doc({ a: 1, b: 1, c: 5 }))).toEqual(["k"]);
    expect(index.match(doc({ a: 2 }))).toEqual(["k"]);
    expect(index.match(doc({ a: 3 }))).toEqual([]);
  });

  test("add of an existing key replaces its filter; remove drops it; unknown keys are ignored", () => {
    const index = indexOf({ k: { equals: { a: 1 } } });
    index.add("k", parseFilter({ equals: { a: 2 } }));
    expect(index.size).toBe(1);
    expect(index.match(doc({ a: 1 }))).toEqual([]);
    expect(index.match(doc({ a: 2 }))).toEqual(["k"]);
    index.remove("nope");
    index.remove("k");
    expect(index.size).toBe(0);
    expect(index.match(doc({ a: 2 }))).toEqual([]);
    expect(index.registrations("k")).toBeUndefined();
  });

  test("one filter may be shared by several keys", () => {
    const f = parseFilter({ or: [{ equals: { a: 1 } }, { exists: "b" }] });
    const index = new FilterIndex<number>();
    for (let i = 0; i < 5; i++) index.add(i, f);
    index.remove(2);
    expect(sorted(index.match(doc({ a: 1, b: 0 })))).toEqual([0, 1, 3, 4]);
  });

  test("a filter that can never match is held but never reported", () => {
    const index = indexOf({ never: { and: [{ exists: "a" }, { missing: "a" }] } });
    expect(index.size).toBe(1);
    expect(index.registrations("never")).toEqual([]);
    expect(index.match(doc({ a: 1 }))).toEqual([]);
    expect(index.match(doc({}))).toEqual([]);
  });

  test("an unselective value shared by every filter is not the key when a selective one exists", () => {
    const index = new FilterIndex<number>();
    for (let i = 0; i < 50; i++) index.add(i, parseFilter({ and: [{ equals: { kind: "chat" } }, { equals: { user: `u${i}` } }] }));
    const onKind = [...Array(50).keys()].filter((i) => {
      const r = index.registrations(i)![0]!;
      return r !== "scan" && r.path === "kind";
    });
    expect(onKind.length).toBeLessThanOrEqual(1);
    expect(index.registrations(7)).toEqual([{ path: "user", values: ["u7"] }]);
    expect(index.match(doc({ kind: "chat", user: "u7" }))).toEqual([7]);
    expect(index.match(doc({ kind: "mail", user: "u7" }))).toEqual([]);
  });

  test("negated equals and conjunctions without equals / in go to the scan list", () => {
    const index = indexOf({
      a: { not: { equals: { a: 1 } } },
      b: { range: { n: { lt: 0 } } },
      c: { and: [{ in: { x: [1, 2] } }, { range: { n: { lt: 0 } } }] },
    });
    expect(index.registrations("a")).toEqual(["scan"]);
    expect(index.registrations("b")).toEqual(["scan"]);
    expect(index.registrations("c")).toEqual([{ path: "x", values: [1, 2] }]);
  });

  test("with many keyed paths, the document's fields are looked up instead, with the same results", () => {
    const index = new FilterIndex<number>({ directPaths: 4 });
    for (let i = 0; i < 10; i++) index.add(i, parseFilter({ equals: { [`p${i}.q`]: i } }));
    index.add(10, parseFilter({ equals: { "_tags.color": "red" } }));
    index.add(11, parseFilter({ equals: { _x: 1 } }));
    expect(sorted(index.match(doc({ p3: { q: 3 }, p4: { q: "4" }, p5: [{ q: 5 }], "p6.q": 6 }, { _tags: { color: "red" } })))).toEqual([
      3, 10,
    ]);
    // "_x" in the content and "p1" in the envelope are out of reach, as resolvePath has them.
    expect(index.match(doc({ _x: 1 }, { p1: { q: 1 } }))).toEqual([]);
    expect(index.match(doc({}, { _x: 1 }))).toEqual([11]);
    // A document with more fields than there are keyed paths is served by resolving the paths.
    const wide: Record<string, unknown> = { p7: { q: 7 } };
    for (let i = 0; i < 50; i++) wide[`f${i}`] = i;
    expect(index.match(doc(wide))).toEqual([7]);
  });

  test("many keys on one bucket: removals in any order keep the others", () => {
    const index = new FilterIndex<number>();
    for (let i = 0; i < 20; i++) index.add(i, parseFilter(i % 2 === 0 ? { equals: { a: "x" } } : { in: { a: ["x", "y", `z${i}`] } }));
    for (const i of [0, 19, 7, 8, 3]) index.remove(i);
    const left = [...Array(20).keys()].filter((i) => ![0, 19, 7, 8, 3].includes(i));
    expect(sorted(index.match(doc({ a: "x" })))).toEqual(sorted(left));
    expect(sorted(index.match(doc({ a: "y" })))).toEqual(left.filter((i) => i % 2 === 1));
    expect(index.match(doc({ a: "z5" }))).toEqual([5]);
    expect(index.match(doc({ a: "z7" }))).toEqual([]);
  });
});

// ---- property: the index reports exactly the keys whose filter.test holds ----

const PATHS = ["a", "b", "c.d", "_id", "_tags.x"];
const VALUES: unknown[] = [0, 1, 2, "x", "y", "X", true, false, null];

const path = fc.constantFrom(...PATHS);
const scalar = fc.constantFrom(...VALUES);
const num = fc.integer({ min: -1, max: 3 });

function term(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.tuple(path, scalar).map(([p, v]) => ({ equals: { [p]: v } })),
    fc.tuple(path, fc.array(scalar, { minLength: 1, maxLength: 3 })).map(([p, vs]) => ({ in: { [p]: vs } })),
    fc.array(fc.constantFrom("x", "y", "m1"), { minLength: 1, maxLength: 2 }).map((values) => ({ ids: { values } })),
    fc
      .tuple(path, num, fc.integer({ min: 0, max: 2 }), fc.constantFrom("gt", "gte", null), fc.constantFrom("lt", "lte", null))
      .filter(([, , , lo, hi]) => lo !== null || hi !== null)
      .map(([p, low, span, lo, hi]) => ({
        range: {
          [p]: { ...(lo ? { [lo]: low } : {}), ...(hi ? { [hi]: lo === "gte" && hi === "lte" ? low + span : low + span + 1 } : {}) },
        },
      })),
    fc.tuple(fc.constantFrom("exists", "missing"), path).map(([k, p]) => ({ [k]: p })),
    fc.tuple(fc.constantFrom("exists", "missing"), path, scalar).map(([k, p, v]) => ({ [k]: `${p}[${JSON.stringify(v)}]` })),
    fc
      .tuple(path, fc.constantFrom("^x", "y$", "[XY]", "."), fc.constantFrom(undefined, "i"))
      .map(([p, value, flags]) => ({ regexp: { [p]: flags ? { value, flags } : value } })),
  );
}

const filterArb = fc.letrec<{ filter: unknown }>((tie) => ({
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    term(),
    fc.array(tie("filter"), { minLength: 1, maxLength: 3 }).map((fs) => ({ and: fs })),
    fc.array(tie("filter"), { minLength: 1, maxLength: 3 }).map((fs) => ({ or: fs })),
    tie("filter").map((f) => ({ not: f })),
    fc
      .record(
        {
          must: fc.array(tie("filter"), { minLength: 1, maxLength: 2 }),
          must_not: fc.array(tie("filter"), { minLength: 1, maxLength: 2 }),
          should: fc.array(tie("filter"), { minLength: 1, maxLength: 2 }),
          should_not: fc.array(tie("filter"), { minLength: 1, maxLength: 2 }),
        },
        { requiredKeys: [] },
      )
      .filter((b) => Object.keys(b).length > 0)
      .map((b) => ({ bool: b })),
  ),
})).filter;

const fieldValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.constant({ d: 1 }), fc.constant(undefined));

const docArb = fc
  .record({
    a: fieldValue,
    b: fieldValue,
    c: fc.oneof(fc.record({ d: fieldValue }), fieldValue),
    id: fc.oneof(fc.constantFrom("x", "y", "m1"), fc.constant(undefined)),
    tag: fieldValue,
  })
  .map(({ a, b, c, id, tag }): FilterDocument => {
    const content: Record<string, unknown> = {};
    const envelope: Record<string, unknown> = {};
    if (a !== undefined) content.a = a;
    if (b !== undefined) content.b = b;
    if (c !== undefined) content.c = c;
    if (id !== undefined) envelope._id = id;
    if (tag !== undefined) envelope._tags = { x: tag };
    return { content, envelope };
  });

/** Parses what parses; a random filter may exceed the condition or conjunction cap, and only those refusals are expected. */
function parsed(raws: unknown[]): Filter[] {
  const out: Filter[] = [];
  for (const raw of raws) {
    try {
      out.push(parseFilter(raw));
    } catch (err) {
      if (!(err instanceof HeraldError) || err.field !== "filter" || !/alternatives|conditions/.test(err.message)) throw err;
    }
  }
  return out;
}

function expectAgrees(indexes: FilterIndex<number>[], filters: Map<number, Filter>, docs: FilterDocument[]): void {
  for (const d of docs) {
    const want = sorted([...filters].filter(([, f]) => f.test(d)).map(([k]) => k));
    for (const index of indexes) {
      const got = index.match(d);
      expect(new Set(got).size).toBe(got.length);
      expect(sorted(got)).toEqual(want);
    }
  }
}

describe("FilterIndex property", () => {
  test("match(doc) is the set of keys whose filter.test(doc) holds, before and after removals and replacements", () => {
    fc.assert(
      fc.property(
        fc.array(filterArb, { minLength: 1, maxLength: 25 }),
        fc.array(docArb, { minLength: 1, maxLength: 15 }),
        fc.array(fc.nat(), { maxLength: 15 }),
        (raws, docs, removals) => {
          const filters = new Map(parsed(raws).map((f, i) => [i, f]));
          // One index resolving its paths in the document, one walking the document's fields.
          const indexes = [new FilterIndex<number>(), new FilterIndex<number>({ directPaths: 0 })];
          for (const [k, f] of filters) for (const index of indexes) index.add(k, f);
          expectAgrees(indexes, filters, docs);
          const keys = [...filters.keys()];
          if (keys.length === 0) return;
          for (const r of removals) {
            const k = keys[r % keys.length]!;
            for (const index of indexes) index.remove(k);
            filters.delete(k);
          }
          for (const index of indexes) expect(index.size).toBe(filters.size);
          expectAgrees(indexes, filters, docs);
          // Re-add some removed keys with another key's filter (replacement of absent and present keys).
          for (const k of keys.slice(0, 5)) {
            const f = [...filters.values()][k % Math.max(1, filters.size)] ?? parseFilter({});
            for (const index of indexes) index.add(k, f);
            filters.set(k, f);
          }
          expectAgrees(indexes, filters, docs);
        },
      ),
      { numRuns: 300 },
    );
  });
});
