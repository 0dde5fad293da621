import { HeraldError } from "../errors.js";
import { type Atom, atomId, scalarKey } from "./atoms.js";
import { type FieldPath, isScalar, parsePath, type Scalar } from "./field-path.js";
import { MAX_IN_VALUES, MAX_STRING_VALUE_LENGTH } from "./limits.js";
import { compileRegexp } from "./regexp.js";
import type { FilterNode } from "./tree.js";

/**
 * The terms of the filter language (see parse-filter.ts for the grammar and
 * its semantics). Each parser takes the keyword's operand and `at`, the error
 * path of the keyword itself (e.g. `filter.and[1].range`), validates, and
 * returns an `atom` node (or `not` of one, for `missing`).
 */
export type TermParser = (operand: unknown, at: string) => FilterNode;

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Appends an object key to an error path (long keys shortened to 64 characters). */
export function fieldAt(at: string, key: string): string {
  return `${at}.${key.length <= 64 ? key : `${key.slice(0, 61)}...`}`;
}

function atomNode(atom: Atom): FilterNode {
  return { op: "atom", atom };
}

/** The one `{<field>: <value>}` pair of `equals`, `in`, `range`, `regexp`. */
function singleField(operand: unknown, at: string): [FieldPath, unknown, string] {
  if (!isPlainObject(operand)) throw HeraldError.invalid(at, "must be an object of exactly one field");
  const keys = Object.keys(operand);
  if (keys.length !== 1) throw HeraldError.invalid(at, `must be an object of exactly one field, got ${keys.length}`);
  const key = keys[0]!;
  const field = fieldAt(at, key);
  return [parsePath(key, field), operand[key], field];
}

function checkScalar(value: unknown, field: string): Scalar {
  if (!isScalar(value)) throw HeraldError.invalid(field, "must be a string, a finite number, a boolean or null");
  if (typeof value === "string" && value.length > MAX_STRING_VALUE_LENGTH)
    throw HeraldError.invalid(field, `a string value is at most ${MAX_STRING_VALUE_LENGTH} characters`);
  return value;
}

/** An `equals` atom, or `in` when several distinct values remain. */
function membership(path: FieldPath, values: readonly Scalar[]): FilterNode {
  const distinct = new Set(values);
  if (distinct.size === 1) {
    const value = values[0]!;
    return atomNode({ kind: "equals", path, value, id: atomId("equals", path, scalarKey(value)) });
  }
  const operand = [...distinct].map(scalarKey).sort().join(",");
  return atomNode({ kind: "in", path, values: distinct, id: atomId("in", path, operand) });
}

function scalarList(raw: unknown, field: string, onlyStrings: boolean): Scalar[] {
  if (!Array.isArray(raw) || raw.length === 0) throw HeraldError.invalid(field, "must be a non-empty array");
  if (raw.length > MAX_IN_VALUES) throw HeraldError.invalid(field, `at most ${MAX_IN_VALUES} values`);
  return raw.map((v, i) => {
    if (onlyStrings && typeof v !== "string") throw HeraldError.invalid(`${field}[${i}]`, "must be a string");
    return checkScalar(v, `${field}[${i}]`);
  });
}

const equals: TermParser = (operand, at) => {
  const [path, value, field] = singleField(operand, at);
  return membership(path, [checkScalar(value, field)]);
};

const inTerm: TermParser = (operand, at) => {
  const [path, values, field] = singleField(operand, at);
  return membership(path, scalarList(values, field, false));
};

const ids: TermParser = (operand, at) => {
  let values: unknown = operand;
  let field = at;
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== "values") throw HeraldError.invalid(at, 'must be {"values": [<id>, ...]}');
    values = operand.values;
    field = `${at}.values`;
  }
  return membership(parsePath("_id", at), scalarList(values, field, true));
};

const range: TermParser = (operand, at) => {
  const [path, bounds, field] = singleField(operand, at);
  if (!isPlainObject(bounds) || Object.keys(bounds).length === 0)
    throw HeraldError.invalid(field, "must be an object of at least one bound (gt, gte, lt, lte)");
  let low = Number.NEGATIVE_INFINITY;
  let high = Number.POSITIVE_INFINITY;
  let lowInclusive = false;
  let highInclusive = false;
  let lows = 0;
  let highs = 0;
  for (const [key, value] of Object.entries(bounds)) {
    if (key !== "gt" && key !== "gte" && key !== "lt" && key !== "lte")
      throw HeraldError.invalid(fieldAt(field, key), "unknown bound (allowed: gt, gte, lt, lte)");
    if (typeof value !== "number" || !Number.isFinite(value)) throw HeraldError.invalid(fieldAt(field, key), "must be a finite number");
    if (key === "gt" || key === "gte") [low, lowInclusive, lows] = [value, key === "gte", lows + 1];
    else [high, highInclusive, highs] = [value, key === "lte", highs + 1];
  }
  if (lows > 1 || highs > 1) throw HeraldError.invalid(field, "at most one lower bound (gt or gte) and one upper bound (lt or lte)");
  if (low > high || (low === high && !(lowInclusive && highInclusive))) throw HeraldError.invalid(field, "the range is empty");
  const operand2 = `${lowInclusive ? "[" : "("}${low},${high}${highInclusive ? "]" : ")"}`;
  return atomNode({ kind: "range", path, low, lowInclusive, high, highInclusive, id: atomId("range", path, operand2) });
};

const regexp: TermParser = (operand, at) => {
  const [path, spec, field] = singleField(operand, at);
  let pattern: unknown = spec;
  let flags: unknown;
  if (isPlainObject(spec)) {
    for (const key of Object.keys(spec))
      if (key !== "value" && key !== "flags") throw HeraldError.invalid(fieldAt(field, key), "unknown attribute (allowed: value, flags)");
    pattern = spec.value;
    flags = spec.flags;
  } else if (typeof spec !== "string")
    throw HeraldError.invalid(field, 'must be a pattern string or {"value": <pattern>, "flags": <flags>}');
  const re = compileRegexp(pattern, flags, field);
  const sortedFlags = [...(typeof flags === "string" ? flags : "")].sort().join("");
  return atomNode({ kind: "regexp", path, re, id: atomId("regexp", path, `/${pattern as string}/${sortedFlags}`) });
};

/** `path`, or `path[<JSON scalar>]` for an array value; `\[` and `\]` escape brackets in the path. */
const ARRAY_VALUE_RE = /^(.*?[^\\])\[(.*)\]$/s;

function existsAtom(operand: unknown, at: string): Atom {
  let text = operand;
  let field = at;
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== "field") throw HeraldError.invalid(at, 'must be a field path or {"field": <field path>}');
    text = operand.field;
    field = `${at}.field`;
  }
  if (typeof text !== "string" || text.length === 0) throw HeraldError.invalid(field, "must be a non-empty field path");
  const m = ARRAY_VALUE_RE.exec(text);
  const unescaped = (s: string) => s.replace(/\\([[\]])/g, "$1");
  if (m === null) {
    const path = parsePath(unescaped(text), field);
    return { kind: "exists", path, id: atomId("exists", path, "") };
  }
  let value: unknown;
  try {
    value = JSON.parse(m[2]!);
  } catch {
    throw HeraldError.invalid(field, `invalid array value "${m[2]!.slice(0, 64)}" (a JSON scalar, e.g. "text", 3, true, null)`);
  }
  const scalar = checkScalar(value, field);
  const path = parsePath(unescaped(m[1]!), field);
  return { kind: "contains", path, value: scalar, id: atomId("contains", path, scalarKey(scalar)) };
}

const exists: TermParser = (operand, at) => atomNode(existsAtom(operand, at));

const missing: TermParser = (operand, at) => ({ op: "not", child: atomNode(existsAtom(operand, at)) });

/** The term keywords, by name (a Map: no prototype lookups on user-given keywords). */
export const TERMS: ReadonlyMap<string, TermParser> = new Map<string, TermParser>([
  ["equals", equals],
  ["in", inTerm],
  ["ids", ids],
  ["range", range],
  ["regexp", regexp],
  ["exists", exists],
  ["missing", missing],
]);
