/**
 * Herald's subscription filters: Kuzzle's Koncorde DSL (4.x), so that a
 * Kuzzle filter works unchanged. This block is the language's reference.
 *
 * ## Documents and paths
 * A filter is tested against `{content, envelope}`. A field path whose first
 * segment starts with `_` (`_id`, `_sender`, `_tags.color`, `_code`,
 * `_subject`, `_seq`) is looked up in the envelope, any other in the content.
 * Paths are dotted (`name.last`): 1..16 non-empty segments, at most 256
 * characters. Each step enters a plain object's own property only
 * (`__proto__`, `constructor` never reach anything inherited); an array, a
 * scalar or null in the middle of a path makes the field missing (arrays are
 * not traversed, as Koncorde's document flattening), and a key containing a
 * dot is not reachable (`a.b` always means `{a: {b}}`).
 *
 * ## Filter
 * The whole filter may be `{}`: it matches every document. Any other filter,
 * and every sub-filter, is an object of exactly one keyword.
 *
 * ## Terms
 * - `equals: {<path>: <scalar>}`: the field is this string, finite number,
 *   boolean or null, of the same type (`1` does not equal `"1"`; `null`
 *   matches an explicit null only, never a missing field; an array or object
 *   field never matches).
 * - `in: {<path>: [<scalar>, ...]}`: the field equals one of 1..1024 values
 *   (Koncorde takes strings only; Herald takes any scalar, type-exact).
 * - `ids: {values: [<string>, ...]}` (or the bare array): `in` on `_id`.
 * - `range: {<path>: {gt|gte: <n>, lt|lte: <n>}}`: the field is a number within
 *   the bounds; at least one bound, at most one lower and one upper, finite
 *   numbers. An empty range is refused; `gte: 5, lte: 5` is accepted (Koncorde
 *   refuses it). A missing or non-number field never matches.
 * - `exists: "<path>"`: the field is there, whatever its value (null too).
 *   `exists: "<path>[<JSON scalar>]"` (e.g. `hobbies["compiler"]`, `n[3]`,
 *   `f[null]`): the field is an array holding that value (type-exact); `\[`
 *   and `\]` escape brackets that belong to the path. The deprecated
 *   `exists: {field: "<path>"}` is accepted.
 * - `missing`: same operand as `exists`, true exactly when `exists` is false
 *   (so `missing: "a[1]"` also holds when `a` is absent or not an array).
 * - `regexp: {<path>: "<pattern>"}` or `{<path>: {value, flags}}`: the field is
 *   a string in which the pattern finds a match (unanchored). Patterns are RE2
 *   syntax (Koncorde's default engine too), compiled by re2js (linear time;
 *   lookaround and backreferences are refused), at most 512 characters and
 *   300 compiled instructions (`[a-z]{1000}` is refused). Flags: any of `i`,
 *   `m`, `s`, each once (Koncorde also took JS flags such as `g`, whose
 *   stateful matching was a bug). A non-string field never matches (Koncorde's
 *   negated regexp converted numbers to text).
 *
 * ## Operators
 * - `and: [<filter>, ...]`, `or: [<filter>, ...]`: non-empty arrays of
 *   non-empty filters.
 * - `not: <filter>`: the filter does not match (missing fields included:
 *   `not: {equals: {a: 1}}` matches a document without `a`).
 * - `bool: {must, must_not, should, should_not, filter}`: each given attribute
 *   a non-empty array of filters, at least one attribute; the result is the
 *   `and` of: every `must` and `filter` item (`filter` as Elasticsearch's,
 *   Koncorde has none), none of `must_not`, at least one of `should`, not all
 *   of `should_not`.
 *
 * ## Not supported
 * `match` and `select` (their cost grows with the document's arrays),
 * `nothing`, and the geo terms (`geoBoundingBox`, `geoDistance`,
 * `geoDistanceRange`, `geoPolygon`) are refused as unsupported keywords.
 *
 * ## Limits and errors
 * Each refusal is `invalid_argument` whose `field` names the offending part
 * under the caller's root, e.g. `filter.and[1].range.age.gt`,
 * `filter.bool.must[0].regexp.name`, `filter.foo` (unknown keyword).
 * At most 50 conditions (terms counted once sugar is removed: an `in` or `ids`
 * is one, whatever its values), at most 64 conjunctions once normalised to
 * disjunctive normal form, operators nested at most 32 deep, string values of
 * at most 4096 characters. Every term is tested in time linear in the value it
 * reads, so no filter makes matching super-linear in the document's size.
 */
import { HeraldError } from "../errors.js";
import { MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH } from "./limits.js";
import { isPlainObject, TERMS } from "./parse-terms.js";
import type { FilterNode } from "./tree.js";

const UNSUPPORTED = new Set(["match", "select", "nothing", "geoBoundingBox", "geoDistance", "geoDistanceRange", "geoPolygon"]);
const BOOL_ATTRIBUTES = new Set(["must", "must_not", "should", "should_not", "filter"]);

interface ParseState {
  readonly root: string;
  conditions: number;
}

/**
 * Validates `raw` as a filter and returns its tree, with `bool`, `missing`,
 * `ids` rewritten, nested `and`/`or` flattened and double negations removed.
 * `root` prefixes every error's `field` (e.g. `filter.and[1].range.age.gt`).
 * Throws `HeraldError` `invalid_argument` on anything the block above refuses.
 */
export function parseFilterTree(raw: unknown, root = "filter"): FilterNode {
  if (isPlainObject(raw) && Object.keys(raw).length === 0) return { op: "all" };
  return parseNode(raw, root, 1, { root, conditions: 0 });
}

function parseNode(raw: unknown, field: string, depth: number, state: ParseState): FilterNode {
  if (depth > MAX_FILTER_DEPTH) throw HeraldError.invalid(field, `operators are nested at most ${MAX_FILTER_DEPTH} deep`);
  if (!isPlainObject(raw)) throw HeraldError.invalid(field, "must be a filter object");
  const keys = Object.keys(raw);
  if (keys.length !== 1)
    throw HeraldError.invalid(field, keys.length === 0 ? "must not be empty" : `must hold exactly one keyword, got ${keys.length}`);
  const keyword = keys[0]!;
  const operand = raw[keyword];
  const at = `${field}.${keyword.length <= 64 ? keyword : `${keyword.slice(0, 61)}...`}`;
  switch (keyword) {
    case "and":
      return and(filterList(operand, at, depth, state));
    case "or":
      return or(filterList(operand, at, depth, state));
    case "not":
      return not(parseNode(operand, at, depth + 1, state));
    case "bool":
      return bool(operand, at, depth, state);
  }
  const term = TERMS.get(keyword);
  if (term === undefined) throw HeraldError.invalid(at, UNSUPPORTED.has(keyword) ? "keyword not supported by Herald" : "unknown keyword");
  if (++state.conditions > MAX_FILTER_CONDITIONS) throw HeraldError.invalid(state.root, `more than ${MAX_FILTER_CONDITIONS} conditions`);
  return term(operand, at);
}

function filterList(raw: unknown, at: string, depth: number, state: ParseState): FilterNode[] {
  if (!Array.isArray(raw) || raw.length === 0) throw HeraldError.invalid(at, "must be a non-empty array of filters");
  return raw.map((item, i) => parseNode(item, `${at}[${i}]`, depth + 1, state));
}

function bool(raw: unknown, at: string, depth: number, state: ParseState): FilterNode {
  if (!isPlainObject(raw) || Object.keys(raw).length === 0)
    throw HeraldError.invalid(at, "must be an object of must, must_not, should, should_not, filter");
  const parts: FilterNode[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (!BOOL_ATTRIBUTES.has(key))
      throw HeraldError.invalid(`${at}.${key.slice(0, 64)}`, "unknown attribute (allowed: must, must_not, should, should_not, filter)");
    const items = filterList(value, `${at}.${key}`, depth, state);
    if (key === "must" || key === "filter") parts.push(...items);
    else if (key === "must_not") parts.push(not(or(items)));
    else if (key === "should") parts.push(or(items));
    else parts.push(not(and(items)));
  }
  return and(parts);
}

/** `and` of the children, nested `and`s flattened; a single child stands alone. */
export function and(children: readonly FilterNode[]): FilterNode {
  const flat = children.flatMap((c) => (c.op === "and" ? c.children : [c]));
  return flat.length === 1 ? flat[0]! : { op: "and", children: flat };
}

/** `or` of the children, nested `or`s flattened; a single child stands alone. */
export function or(children: readonly FilterNode[]): FilterNode {
  const flat = children.flatMap((c) => (c.op === "or" ? c.children : [c]));
  return flat.length === 1 ? flat[0]! : { op: "or", children: flat };
}

/** Negation, `not not x` being `x`. */
export function not(child: FilterNode): FilterNode {
  return child.op === "not" ? child.child : { op: "not", child };
}
