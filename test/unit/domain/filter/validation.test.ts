import { describe, expect, test } from "vitest";
import { HeraldError } from "../../../../src/domain/errors.js";
import { parseFilter } from "../../../../src/domain/filter/filter.js";
import {
  MAX_FILTER_CONDITIONS,
  MAX_FILTER_CONJUNCTIONS,
  MAX_FILTER_DEPTH,
  MAX_IN_VALUES,
  MAX_PATH_DEPTH,
  MAX_PATH_LENGTH,
  MAX_REGEXP_LENGTH,
} from "../../../../src/domain/filter/limits.js";

/** parseFilter(raw, root) throws invalid_argument naming `field`. */
function refused(raw: unknown, field: string, root?: string): HeraldError {
  let caught: unknown;
  try {
    parseFilter(raw, root);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(HeraldError);
  const err = caught as HeraldError;
  expect(err.code).toBe("invalid_argument");
  expect(err.field).toBe(field);
  expect(err.message.startsWith(`${field}: `)).toBe(true);
  return err;
}

const eq = (i: number) => ({ equals: { [`f${i}`]: i } });

describe("filter shape", () => {
  test("a filter is an object of exactly one keyword; only the whole filter may be {}", () => {
    refused(null, "filter");
    refused([], "filter");
    refused("equals", "filter");
    refused({ equals: { a: 1 }, exists: "a" }, "filter");
    refused({ and: [{}] }, "filter.and[0]");
    refused({ not: {} }, "filter.not");
    refused({ or: [{ equals: { a: 1 } }, 5] }, "filter.or[1]");
  });

  test("unknown and unsupported keywords name the keyword", () => {
    refused({ foo: {} }, "filter.foo");
    refused({ and: [{ equals: { a: 1 } }, { Equals: { a: 1 } }] }, "filter.and[1].Equals");
    expect(refused({ match: { a: 1 } }, "filter.match").message).toMatch(/not supported/);
    refused({ geoDistance: { location: { lat: 0, lon: 0 }, distance: "1km" } }, "filter.geoDistance");
    refused(JSON.parse('{"__proto__": {"equals": {"a": 1}}}'), "filter.__proto__");
    refused({ toString: "a" }, "filter.toString");
  });

  test("the root is the caller's", () => {
    refused({ foo: 1 }, "subscribe.filter.foo", "subscribe.filter");
    refused({ and: [{ range: { age: { gt: "1" } } }] }, "f.and[0].range.age.gt", "f");
  });

  test("and / or take non-empty arrays", () => {
    refused({ and: [] }, "filter.and");
    refused({ or: {} }, "filter.or");
    refused({ and: { equals: { a: 1 } } }, "filter.and");
  });

  test("bool takes known attributes, each a non-empty array of filters", () => {
    refused({ bool: {} }, "filter.bool");
    refused({ bool: [] }, "filter.bool");
    refused({ bool: { must: [{ equals: { a: 1 } }], maybe: [] } }, "filter.bool.maybe");
    refused({ bool: { should: [] } }, "filter.bool.should");
    refused({ bool: { must: [{ regexp: { name: "(?=x)" } }] } }, "filter.bool.must[0].regexp.name");
    refused({ bool: { must_not: [{ equals: { a: 1 } }, { nope: 1 }] } }, "filter.bool.must_not[1].nope");
  });
});

describe("terms", () => {
  test("equals: one field, a scalar value", () => {
    refused({ equals: {} }, "filter.equals");
    refused({ equals: { a: 1, b: 2 } }, "filter.equals");
    refused({ equals: "a" }, "filter.equals");
    refused({ equals: { a: [1] } }, "filter.equals.a");
    refused({ equals: { a: { b: 1 } } }, "filter.equals.a");
    refused({ equals: { a: undefined } }, "filter.equals.a");
    refused({ equals: { a: Number.NaN } }, "filter.equals.a");
    refused({ equals: { a: Number.POSITIVE_INFINITY } }, "filter.equals.a");
  });

  test("field paths: non-empty segments, bounded depth and length", () => {
    refused({ equals: { "": 1 } }, "filter.equals.");
    refused({ equals: { "a..b": 1 } }, "filter.equals.a..b");
    refused({ equals: { ".a": 1 } }, "filter.equals..a");
    refused({ exists: "a." }, "filter.exists");
    const deep = Array.from({ length: MAX_PATH_DEPTH + 1 }, () => "a").join(".");
    refused({ range: { [deep]: { gt: 1 } } }, `filter.range.${deep}`);
    expect(() => parseFilter({ exists: Array.from({ length: MAX_PATH_DEPTH }, () => "a").join(".") })).not.toThrow();
    refused({ exists: "x".repeat(MAX_PATH_LENGTH + 1) }, "filter.exists");
    expect(() => parseFilter({ exists: "x".repeat(MAX_PATH_LENGTH) })).not.toThrow();
  });

  test("in: one field, a non-empty bounded array of scalars", () => {
    refused({ in: { a: [] } }, "filter.in.a");
    refused({ in: { a: "x" } }, "filter.in.a");
    refused({ in: { a: ["x", { y: 1 }] } }, "filter.in.a[1]");
    refused({ in: { a: Array.from({ length: MAX_IN_VALUES + 1 }, (_, i) => i) } }, "filter.in.a");
    expect(() => parseFilter({ in: { a: Array.from({ length: MAX_IN_VALUES }, (_, i) => i) } })).not.toThrow();
  });

  test("ids: {values: [strings]} or an array of strings", () => {
    refused({ ids: { values: [] } }, "filter.ids.values");
    refused({ ids: { values: ["a", 1] } }, "filter.ids.values[1]");
    refused({ ids: { value: ["a"] } }, "filter.ids");
    refused({ ids: "a" }, "filter.ids");
  });

  test("range: bounds are known, numeric, at most one per side, not empty", () => {
    refused({ range: { age: {} } }, "filter.range.age");
    refused({ range: { age: 5 } }, "filter.range.age");
    refused({ range: { age: { gt: "1" } } }, "filter.range.age.gt");
    refused({ and: [{ exists: "a" }, { range: { age: { gt: "1" } } }] }, "filter.and[1].range.age.gt");
    refused({ range: { age: { lte: null } } }, "filter.range.age.lte");
    refused({ range: { age: { from: 1 } } }, "filter.range.age.from");
    refused({ range: { age: { gt: 1, gte: 2 } } }, "filter.range.age");
    refused({ range: { age: { lt: 1, lte: 2 } } }, "filter.range.age");
    refused({ range: { age: { gt: 5, lt: 5 } } }, "filter.range.age");
    refused({ range: { age: { gte: 5, lt: 5 } } }, "filter.range.age");
    refused({ range: { age: { gte: 6, lte: 5 } } }, "filter.range.age");
    refused({ range: { a: { gt: 1 }, b: { gt: 1 } } }, "filter.range");
  });

  test("exists / missing: a path, the {field} form, or a path with a JSON scalar array value", () => {
    refused({ exists: "" }, "filter.exists");
    refused({ exists: 5 }, "filter.exists");
    refused({ missing: { field: "" } }, "filter.missing.field");
    refused({ missing: { path: "a" } }, "filter.missing");
    refused({ exists: "a[nope]" }, "filter.exists");
    refused({ exists: 'a[{"x": 1}]' }, "filter.exists");
    refused({ exists: "a[[1]]" }, "filter.exists");
  });

  test("regexp: re2js-compilable, bounded, flags among i, m, s", () => {
    refused({ regexp: { name: "(?=x)" } }, "filter.regexp.name");
    refused({ regexp: { name: "(?<!x)y" } }, "filter.regexp.name");
    refused({ regexp: { name: "(a)\\1" } }, "filter.regexp.name");
    refused({ regexp: { name: "[" } }, "filter.regexp.name");
    refused({ regexp: { name: "" } }, "filter.regexp.name");
    refused({ regexp: { name: 5 } }, "filter.regexp.name");
    refused({ regexp: { name: { flags: "i" } } }, "filter.regexp.name");
    refused({ regexp: { name: { value: "a", flags: "g" } } }, "filter.regexp.name.flags");
    refused({ regexp: { name: { value: "a", flags: "ii" } } }, "filter.regexp.name.flags");
    refused({ regexp: { name: { value: "a", flags: 1 } } }, "filter.regexp.name.flags");
    refused({ regexp: { name: { value: "a", extra: 1 } } }, "filter.regexp.name.extra");
    refused({ regexp: { name: "a".repeat(MAX_REGEXP_LENGTH + 1) } }, "filter.regexp.name");
    expect(() => parseFilter({ regexp: { name: `[${"a".repeat(MAX_REGEXP_LENGTH - 2)}]` } })).not.toThrow();
    expect(refused({ regexp: { name: "[a-z]{1000}" } }, "filter.regexp.name").message).toMatch(/too complex/);
  });
});

describe("limits", () => {
  test(`at most ${MAX_FILTER_CONDITIONS} conditions, counted once sugar is removed`, () => {
    const many = (n: number) => ({ and: Array.from({ length: n }, (_, i) => eq(i)) });
    expect(() => parseFilter(many(MAX_FILTER_CONDITIONS))).not.toThrow();
    refused(many(MAX_FILTER_CONDITIONS + 1), "filter");
    const viaBool = { bool: { must: Array.from({ length: 30 }, (_, i) => eq(i)), must_not: Array.from({ length: 21 }, (_, i) => eq(i)) } };
    refused(viaBool, "filter");
    // An `in` is one condition whatever its values.
    expect(() => parseFilter({ and: [{ in: { a: Array.from({ length: 100 }, (_, i) => i) } }, ...many(49).and] })).not.toThrow();
  });

  test(`at most ${MAX_FILTER_CONJUNCTIONS} conjunctions once normalised`, () => {
    const or4 = (k: number) => ({ or: [0, 1, 2, 3].map((i) => eq(k * 4 + i)) });
    expect(parseFilter({ and: [or4(0), or4(1), or4(2)] }).dnf).toHaveLength(64);
    refused({ and: [or4(0), or4(1), or4(2), { or: [eq(100), eq(101)] }] }, "filter");
    // not(and(...)) is an or: the same cap applies after De Morgan.
    refused({ not: { or: [0, 1, 2, 3, 4, 5, 6].map((k) => ({ and: [eq(2 * k), eq(2 * k + 1)] })) } }, "filter");
    // A flat or of the maximum number of conditions is fine.
    expect(parseFilter({ or: Array.from({ length: MAX_FILTER_CONDITIONS }, (_, i) => eq(i)) }).dnf).toHaveLength(MAX_FILTER_CONDITIONS);
  });

  test(`operators nest at most ${MAX_FILTER_DEPTH} deep (no stack overflow on deeper input)`, () => {
    const nest = (levels: number): unknown => {
      let f: unknown = eq(0);
      for (let i = 1; i < levels; i++) f = { not: f };
      return f;
    };
    expect(() => parseFilter(nest(MAX_FILTER_DEPTH))).not.toThrow();
    refused(nest(MAX_FILTER_DEPTH + 1), `filter${".not".repeat(MAX_FILTER_DEPTH)}`);
    expect(() => parseFilter(nest(100_000))).toThrow(HeraldError);
  });
});
