/**
 * Examples from Koncorde's documentation (doc/terms, doc/operands,
 * doc/advanced of kuzzleio/koncorde), filters and documents as printed there
 * (the stray `;` inside some of the printed objects dropped), each giving the
 * documented result. Kuzzle documents carry `_id` beside their fields; here it
 * is in the envelope, where Herald puts it.
 */
import { describe, expect, test } from "vitest";
import type { FilterDocument } from "../../../../src/domain/filter/field-path.js";
import { parseFilter } from "../../../../src/domain/filter/filter.js";

/** Indexes (0-based) of the documents the filter matches. */
function matching(filter: unknown, docs: Record<string, unknown>[]): number[] {
  const f = parseFilter(filter);
  return docs
    .map((content, i): [FilterDocument, number] => {
      const { _id, ...rest } = content;
      return [{ content: rest, envelope: _id === undefined ? {} : { _id } }, i];
    })
    .filter(([d]) => f.test(d))
    .map(([, i]) => i);
}

const graceAda = [
  { firstName: "Grace", lastName: "Hopper" },
  { firstName: "Ada", lastName: "Lovelace" },
];

const withHobbies = [
  { firstName: "Grace", lastName: "Hopper", city: "NYC", hobby: ["compiler", "COBOL"], alive: false },
  { firstName: "Ada", lastName: "Lovelace", city: "London", hobby: ["programming", "algorithm"] },
];

const withAges = [
  { firstName: "Grace", lastName: "Hopper", age: 85, city: "NYC", hobby: "computer" },
  { firstName: "Ada", lastName: "Lovelace", age: 36, city: "London", hobby: "computer" },
  { firstName: "Marie", lastName: "Curie", age: 55, city: "Paris", hobby: "radium" },
];

describe("Koncorde's documented terms", () => {
  test("equals", () => {
    expect(matching({ equals: { firstName: "Grace" } }, graceAda)).toEqual([0]);
  });

  test("exists, with the array value syntax", () => {
    expect(matching({ exists: "alive" }, withHobbies)).toEqual([0]);
    expect(matching({ exists: 'hobby["algorithm"]' }, withHobbies)).toEqual([1]);
  });

  test("missing, with the array value syntax", () => {
    const docs = [
      { firstName: "Grace", lastName: "Hopper", city: "NYC", hobbies: ["compiler", "COBOL"], alive: false },
      { firstName: "Ada", lastName: "Lovelace", city: "London", hobbies: ["algorithm", "programming"] },
    ];
    expect(matching({ missing: "alive" }, docs)).toEqual([1]);
    expect(matching({ missing: 'hobbies["algorithm"]' }, docs)).toEqual([0]);
  });

  test("ids", () => {
    const docs = [
      { _id: "a", firstName: "Grace", lastName: "Hopper" },
      { _id: "b", firstName: "Ada", lastName: "Lovelace" },
      { _id: "c", firstName: "Marie", lastName: "Curie" },
    ];
    expect(matching({ ids: { values: ["a"] } }, docs)).toEqual([0]);
  });

  test("in", () => {
    const docs = [...graceAda, { firstName: "Marie", lastName: "Curie" }];
    expect(matching({ in: { firstName: ["Grace", "Ada"] } }, docs)).toEqual([0, 1]);
  });

  test("range", () => {
    expect(matching({ range: { age: { lt: 85 } } }, withAges)).toEqual([1, 2]);
  });

  test("regexp", () => {
    // Printed as '^g\w+' in a JS string, which is "^gw+": the pattern meant is ^g\w+.
    expect(matching({ regexp: { firstName: { value: "^g\\w+", flags: "i" } } }, graceAda)).toEqual([0]);
  });

  test("nested fields", () => {
    expect(matching({ equals: { "name.last": "Hopper" } }, [{ name: { first: "Grace", last: "Hopper" } }])).toEqual([0]);
  });

  test("matching array values in nested fields", () => {
    const docs = [{ name: { first: "Grace", last: "Hopper", hobbies: ["compiler", "COBOL"] } }];
    expect(matching({ exists: 'name.hobbies["compiler"]' }, docs)).toEqual([0]);
  });
});

describe("Koncorde's documented operands", () => {
  const cities = [
    { firstName: "Grace", lastName: "Hopper", city: "NYC", hobby: "computer" },
    { firstName: "Ada", lastName: "Lovelace", city: "London", hobby: "computer" },
    { firstName: "Marie", lastName: "Curie", city: "Paris", hobby: "radium" },
  ];

  test("and", () => {
    expect(matching({ and: [{ equals: { city: "NYC" } }, { equals: { hobby: "computer" } }] }, cities.slice(0, 2))).toEqual([0]);
  });

  test("bool", () => {
    const filter = {
      bool: {
        must: [
          {
            in: {
              firstName: ["Grace", "Ada"],
            },
          },
          {
            range: {
              age: {
                gte: 36,
                lt: 85,
              },
            },
          },
        ],
        must_not: [
          {
            equals: {
              city: "NYC",
            },
          },
        ],
        should: [
          {
            equals: {
              hobby: "computer",
            },
          },
          {
            exists: {
              field: "lastName",
            },
          },
        ],
      },
    };
    expect(matching(filter, withAges)).toEqual([1]);
  });

  test("not", () => {
    expect(matching({ not: { equals: { city: "London" } } }, cities.slice(0, 2))).toEqual([0]);
  });

  test("or", () => {
    expect(matching({ or: [{ equals: { city: "NYC" } }, { equals: { city: "London" } }] }, cities)).toEqual([0, 1]);
  });

  test("filter equivalence: the two documented equivalent filters match the same documents", () => {
    const a = {
      and: [{ not: { in: { some_document_field: ["foo", "bar"] } } }, { missing: { field: "another_field" } }],
    };
    const b = {
      not: {
        or: [
          { or: [{ equals: { some_document_field: "foo" } }, { equals: { some_document_field: "bar" } }] },
          { exists: { field: "another_field" } },
        ],
      },
    };
    const docs = [
      {},
      { some_document_field: "foo" },
      { some_document_field: "bar" },
      { some_document_field: "baz" },
      { another_field: 1 },
      { some_document_field: "baz", another_field: null },
    ];
    expect(matching(a, docs)).toEqual([0, 3]);
    expect(matching(b, docs)).toEqual(matching(a, docs));
  });
});
