import { HeraldError } from "../errors.js";
import { MAX_PATH_DEPTH, MAX_PATH_LENGTH } from "./limits.js";

/**
 * What a filter is tested against: an event's `content` (the document's own
 * fields, as Kuzzle's) and its `envelope` (`_id`, `_sender`, `_tags`, `_code`,
 * `_subject`, `_seq`, ...). The caller guarantees plain JSON: no cycles, no
 * accessors; lookups use own properties only.
 */
export interface FilterDocument {
  readonly content: Readonly<Record<string, unknown>>;
  readonly envelope: Readonly<Record<string, unknown>>;
}

/** A JSON scalar: the only values `equals`, `in`, `ids` and array-value tests compare. */
export type Scalar = string | number | boolean | null;

/**
 * A validated dotted path. `inEnvelope` when its first segment starts with `_`
 * (then the whole path is looked up in the envelope), else in the content.
 */
export interface FieldPath {
  readonly text: string;
  readonly segments: readonly string[];
  readonly inEnvelope: boolean;
}

/**
 * Parses `text` as a field path: a non-empty string of at most
 * MAX_PATH_LENGTH characters, dot-separated non-empty segments, at most
 * MAX_PATH_DEPTH of them. Throws `HeraldError.invalid(field, ...)` otherwise.
 */
export function parsePath(text: unknown, field: string): FieldPath {
  if (typeof text !== "string" || text.length === 0) throw HeraldError.invalid(field, "a field path must be a non-empty string");
  if (text.length > MAX_PATH_LENGTH) throw HeraldError.invalid(field, `a field path is at most ${MAX_PATH_LENGTH} characters`);
  const segments = text.split(".");
  if (segments.length > MAX_PATH_DEPTH) throw HeraldError.invalid(field, `a field path has at most ${MAX_PATH_DEPTH} segments`);
  if (segments.some((s) => s.length === 0)) throw HeraldError.invalid(field, `field path "${text}" has an empty segment`);
  return { text, segments, inEnvelope: text.startsWith("_") };
}

/**
 * The value at `path` in `doc`, or `undefined` when it is missing. Each step
 * goes into a plain object's own property only (`Object.hasOwn`): an array,
 * a scalar or null in the middle of the path ends the lookup as missing, and
 * `__proto__` / `constructor` find only properties the document itself has.
 * Cost: O(path depth).
 */
export function resolvePath(path: FieldPath, doc: FilterDocument): unknown {
  let current: unknown = path.inEnvelope ? doc.envelope : doc.content;
  const segments = path.segments;
  for (let i = 0; i < segments.length; i++) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    const segment = segments[i]!;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** True for a JSON scalar (string, finite number, boolean, null). */
export function isScalar(value: unknown): value is Scalar {
  const t = typeof value;
  return value === null || t === "string" || t === "boolean" || (t === "number" && Number.isFinite(value));
}
