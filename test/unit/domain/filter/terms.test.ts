import { describe, expect, test } from "vitest";
import type { FilterDocument } from "../../../../src/domain/filter/field-path.js";
import { parseFilter } from "../../../../src/domain/filter/filter.js";

function doc(content: Record<string, unknown>, envelope: Record<string, unknown> = {}): FilterDocument {
  return { content, envelope };
}

/** Whether `filter` matches a document of this content (and envelope). */
function matches(filter: unknown, content: Record<string, unknown>, envelope: Record<string, unknown> = {}): boolean {
  return parseFilter(filter).test(doc(content, envelope));
}

describe("the empty filter", () => {
  test("{} matches every document, even an empty one", () => {
    expect(matches({}, {})).toBe(true);
    expect(matches({}, { a: 1 }, { _id: "x" })).toBe(true);
  });
});

describe("equals", () => {
  test("matches the same scalar of the same type only", () => {
    expect(matches({ equals: { a: 1 } }, { a: 1 })).toBe(true);
    expect(matches({ equals: { a: 1 } }, { a: "1" })).toBe(false);
    expect(matches({ equals: { a: "1" } }, { a: 1 })).toBe(false);
    expect(matches({ equals: { a: true } }, { a: "true" })).toBe(false);
    expect(matches({ equals: { a: true } }, { a: 1 })).toBe(false);
    expect(matches({ equals: { a: 0 } }, { a: false })).toBe(false);
    expect(matches({ equals: { a: "" } }, { a: "" })).toBe(true);
    expect(matches({ equals: { a: "x" } }, { a: "X" })).toBe(false);
  });

  test("null matches an explicit null, never a missing field", () => {
    expect(matches({ equals: { a: null } }, { a: null })).toBe(true);
    expect(matches({ equals: { a: null } }, {})).toBe(false);
    expect(matches({ equals: { a: null } }, { a: 0 })).toBe(false);
    expect(matches({ equals: { a: 0 } }, {})).toBe(false);
  });

  test("an array or object field never equals a scalar", () => {
    expect(matches({ equals: { a: 1 } }, { a: [1] })).toBe(false);
    expect(matches({ equals: { a: "x" } }, { a: { x: 1 } })).toBe(false);
  });

  test("nested paths go through objects, not through arrays or scalars", () => {
    expect(matches({ equals: { "name.last": "Hopper" } }, { name: { first: "Grace", last: "Hopper" } })).toBe(true);
    expect(matches({ equals: { "a.b.c": 1 } }, { a: { b: { c: 1 } } })).toBe(true);
    expect(matches({ equals: { "a.0": 1 } }, { a: [1] })).toBe(false);
    expect(matches({ equals: { "a.b": 1 } }, { a: [{ b: 1 }] })).toBe(false);
    expect(matches({ equals: { "a.length": 1 } }, { a: "x" })).toBe(false);
    expect(matches({ equals: { "a.b": 1 } }, { a: null })).toBe(false);
    expect(matches({ equals: { "a.b": 1 } }, { "a.b": 1 })).toBe(false);
  });

  test("inherited properties are never found: __proto__, constructor, toString", () => {
    expect(matches({ exists: "constructor" }, {})).toBe(false);
    expect(matches({ exists: "toString" }, {})).toBe(false);
    expect(matches({ exists: "__proto__" }, {})).toBe(false);
    expect(matches({ exists: "a.constructor" }, { a: {} })).toBe(false);
    expect(matches({ exists: "a.__proto__.x" }, { a: {} })).toBe(false);
    expect(matches({ equals: { "a.length": 0 } }, { a: [] })).toBe(false);
    // An own "__proto__" key (as JSON.parse makes) is found like any other (a leading "_" means the envelope).
    const own = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(matches({ equals: { "a.__proto__.x": 1 } }, { a: own })).toBe(true);
    expect(matches({ equals: { "__proto__.x": 1 } }, {}, own)).toBe(true);
    expect(matches({ equals: { "__proto__.x": 1 } }, own, {})).toBe(false);
    expect(matches(JSON.parse('{"equals": {"__proto__": 1}}'), {}, JSON.parse('{"__proto__": 1}'))).toBe(true);
  });

  test("paths starting with _ are looked up in the envelope, the others in the content", () => {
    const envelope = { _id: "m1", _sender: "bob", _tags: { color: "red" }, _code: 7 };
    expect(matches({ equals: { _sender: "bob" } }, {}, envelope)).toBe(true);
    expect(matches({ equals: { "_tags.color": "red" } }, {}, envelope)).toBe(true);
    expect(matches({ equals: { _code: 7 } }, { _code: 8 }, envelope)).toBe(true);
    expect(matches({ equals: { _sender: "bob" } }, { _sender: "bob" }, {})).toBe(false);
    expect(matches({ equals: { sender: "bob" } }, {}, { sender: "bob" })).toBe(false);
  });
});

describe("in", () => {
  test("matches any listed value, type-exact", () => {
    const f = { in: { firstName: ["Grace", "Ada", 3, true, null] } };
    expect(matches(f, { firstName: "Ada" })).toBe(true);
    expect(matches(f, { firstName: 3 })).toBe(true);
    expect(matches(f, { firstName: true })).toBe(true);
    expect(matches(f, { firstName: null })).toBe(true);
    expect(matches(f, { firstName: "3" })).toBe(false);
    expect(matches(f, { firstName: "Marie" })).toBe(false);
    expect(matches(f, {})).toBe(false);
    expect(matches(f, { firstName: ["Ada"] })).toBe(false);
  });

  test("one value behaves as equals", () => {
    expect(matches({ in: { a: ["x", "x"] } }, { a: "x" })).toBe(true);
    expect(matches({ in: { a: ["x"] } }, { a: "y" })).toBe(false);
  });
});

describe("ids", () => {
  test("tests envelope._id, in both the {values} and the bare array form", () => {
    expect(matches({ ids: { values: ["a", "b"] } }, { _id: "c" }, { _id: "a" })).toBe(true);
    expect(matches({ ids: { values: ["a"] } }, { _id: "a" }, { _id: "c" })).toBe(false);
    expect(matches({ ids: ["b"] }, {}, { _id: "b" })).toBe(true);
    expect(matches({ ids: ["b"] }, {}, {})).toBe(false);
  });
});

describe("range", () => {
  test("each bound, inclusive or not", () => {
    expect(matches({ range: { n: { gt: 5 } } }, { n: 5 })).toBe(false);
    expect(matches({ range: { n: { gt: 5 } } }, { n: 5.5 })).toBe(true);
    expect(matches({ range: { n: { gte: 5 } } }, { n: 5 })).toBe(true);
    expect(matches({ range: { n: { lt: 5 } } }, { n: 5 })).toBe(false);
    expect(matches({ range: { n: { lt: 5 } } }, { n: -1e9 })).toBe(true);
    expect(matches({ range: { n: { lte: 5 } } }, { n: 5 })).toBe(true);
    expect(matches({ range: { n: { gte: 36, lt: 85 } } }, { n: 36 })).toBe(true);
    expect(matches({ range: { n: { gte: 36, lt: 85 } } }, { n: 85 })).toBe(false);
    expect(matches({ range: { n: { gte: 5, lte: 5 } } }, { n: 5 })).toBe(true);
  });

  test("only numbers are in a range: strings, booleans, null, arrays and missing fields are not", () => {
    const f = { range: { n: { gte: 0 } } };
    expect(matches(f, { n: "5" })).toBe(false);
    expect(matches(f, { n: true })).toBe(false);
    expect(matches(f, { n: null })).toBe(false);
    expect(matches(f, { n: [5] })).toBe(false);
    expect(matches(f, {})).toBe(false);
    expect(matches({ not: f }, {})).toBe(true);
    expect(matches({ not: f }, { n: "5" })).toBe(true);
  });
});

describe("exists and missing", () => {
  test("a field is there whatever its value, null, false, empty and objects included", () => {
    for (const value of [null, false, 0, "", [], {}, { x: 1 }]) {
      expect(matches({ exists: "a" }, { a: value })).toBe(true);
      expect(matches({ missing: "a" }, { a: value })).toBe(false);
    }
    expect(matches({ exists: "a" }, {})).toBe(false);
    expect(matches({ missing: "a" }, {})).toBe(true);
    expect(matches({ exists: "a.b" }, { a: { b: null } })).toBe(true);
    expect(matches({ exists: "a.b" }, { a: { c: 1 } })).toBe(false);
  });

  test("the deprecated {field} form is the same test", () => {
    expect(matches({ exists: { field: "a" } }, { a: 1 })).toBe(true);
    expect(matches({ missing: { field: "a" } }, { a: 1 })).toBe(false);
  });

  test("array values: path[<JSON scalar>] holds when the array holds that value, type-exact", () => {
    const content = { tags: ["x", 3, true, null], name: { hobbies: ["compiler", "COBOL"] } };
    expect(matches({ exists: 'tags["x"]' }, content)).toBe(true);
    expect(matches({ exists: "tags[3]" }, content)).toBe(true);
    expect(matches({ exists: 'tags["3"]' }, content)).toBe(false);
    expect(matches({ exists: "tags[true]" }, content)).toBe(true);
    expect(matches({ exists: "tags[null]" }, content)).toBe(true);
    expect(matches({ exists: 'tags["y"]' }, content)).toBe(false);
    expect(matches({ exists: 'name.hobbies["COBOL"]' }, content)).toBe(true);
    expect(matches({ exists: 'a["x"]' }, { a: "x" })).toBe(false);
  });

  test("missing with an array value also holds when the field is absent or not an array", () => {
    expect(matches({ missing: 'a["x"]' }, { a: ["y"] })).toBe(true);
    expect(matches({ missing: 'a["x"]' }, { a: ["x"] })).toBe(false);
    expect(matches({ missing: 'a["x"]' }, {})).toBe(true);
    expect(matches({ missing: 'a["x"]' }, { a: "x" })).toBe(true);
  });

  test("escaped brackets belong to the path", () => {
    expect(matches({ exists: "a\\[1\\]" }, { "a[1]": 0 })).toBe(true);
    expect(matches({ exists: "a\\[1\\]" }, { a: [1] })).toBe(false);
  });
});

describe("regexp", () => {
  test("finds the pattern anywhere in a string field (unanchored), RE2 syntax", () => {
    expect(matches({ regexp: { a: "b+c" } }, { a: "xxabbbcxx" })).toBe(true);
    expect(matches({ regexp: { a: "^b+c$" } }, { a: "xxabbbcxx" })).toBe(false);
    expect(matches({ regexp: { a: "\\d{3}" } }, { a: "ab123" })).toBe(true);
    expect(matches({ regexp: { a: { value: "^G\\w+" } } }, { a: "Grace" })).toBe(true);
  });

  test("flags i, m and s", () => {
    expect(matches({ regexp: { a: { value: "^grace$", flags: "i" } } }, { a: "GRACE" })).toBe(true);
    expect(matches({ regexp: { a: { value: "^grace$" } } }, { a: "GRACE" })).toBe(false);
    expect(matches({ regexp: { a: { value: "^b$", flags: "m" } } }, { a: "a\nb\nc" })).toBe(true);
    expect(matches({ regexp: { a: { value: "^b$" } } }, { a: "a\nb\nc" })).toBe(false);
    expect(matches({ regexp: { a: { value: "a.b", flags: "s" } } }, { a: "a\nb" })).toBe(true);
    expect(matches({ regexp: { a: { value: "a.b" } } }, { a: "a\nb" })).toBe(false);
    expect(matches({ regexp: { a: { value: "A.B", flags: "si" } } }, { a: "a\nb" })).toBe(true);
    expect(matches({ regexp: { a: { value: "x", flags: "" } } }, { a: "x" })).toBe(true);
  });

  test("a non-string field never matches, and its negation does", () => {
    for (const value of [123, true, null, ["abc"], { a: "abc" }]) {
      expect(matches({ regexp: { a: "." } }, { a: value })).toBe(false);
      expect(matches({ not: { regexp: { a: "." } } }, { a: value })).toBe(true);
    }
    expect(matches({ regexp: { a: "." } }, {})).toBe(false);
  });
});

describe("operators", () => {
  const grace = { firstName: "Grace", city: "NYC", age: 85 };
  const ada = { firstName: "Ada", city: "London", age: 36 };

  test("and, or, not", () => {
    const both = { and: [{ equals: { city: "NYC" } }, { equals: { firstName: "Grace" } }] };
    expect(matches(both, grace)).toBe(true);
    expect(matches(both, ada)).toBe(false);
    const either = { or: [{ equals: { city: "NYC" } }, { equals: { city: "Paris" } }] };
    expect(matches(either, grace)).toBe(true);
    expect(matches(either, ada)).toBe(false);
    expect(matches({ not: either }, ada)).toBe(true);
    expect(matches({ not: { not: either } }, ada)).toBe(false);
  });

  test("not matches documents where the field is missing", () => {
    expect(matches({ not: { equals: { a: 1 } } }, {})).toBe(true);
    expect(matches({ not: { in: { a: [1, 2] } } }, { a: 3 })).toBe(true);
    expect(matches({ not: { in: { a: [1, 2] } } }, { a: 2 })).toBe(false);
  });

  test("bool: must, filter, must_not, should, should_not", () => {
    expect(matches({ bool: { must: [{ equals: { city: "NYC" } }, { range: { age: { gt: 80 } } }] } }, grace)).toBe(true);
    expect(matches({ bool: { filter: [{ equals: { city: "NYC" } }] } }, ada)).toBe(false);
    expect(matches({ bool: { must_not: [{ equals: { city: "NYC" } }, { equals: { city: "Paris" } }] } }, ada)).toBe(true);
    expect(matches({ bool: { must_not: [{ equals: { city: "NYC" } }, { equals: { city: "London" } }] } }, ada)).toBe(false);
    expect(matches({ bool: { should: [{ equals: { city: "NYC" } }, { equals: { city: "London" } }] } }, ada)).toBe(true);
    expect(matches({ bool: { should: [{ equals: { city: "NYC" } }, { equals: { city: "Paris" } }] } }, ada)).toBe(false);
    // should_not: at least one of them is false.
    expect(matches({ bool: { should_not: [{ equals: { city: "London" } }, { equals: { age: 36 } }] } }, ada)).toBe(false);
    expect(matches({ bool: { should_not: [{ equals: { city: "London" } }, { equals: { age: 99 } }] } }, ada)).toBe(true);
  });

  test("bool combines its attributes with and", () => {
    const f = { bool: { must: [{ exists: "city" }], must_not: [{ equals: { city: "NYC" } }], should: [{ range: { age: { lt: 50 } } }] } };
    expect(matches(f, ada)).toBe(true);
    expect(matches(f, grace)).toBe(false);
    expect(matches(f, { city: "Paris", age: 55 })).toBe(false);
  });
});
