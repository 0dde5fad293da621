import { HeraldError } from "../../domain/errors.js";
import { parseSeq } from "../../domain/validate.js";
import { ClientFrame } from "../../../gen/herald/gateway/v1/envelope.js";
import type { FieldKind } from "./operation.js";
import { OPERATIONS } from "./operations.js";

/**
 * Validates a client frame's JSON before ts-proto's `fromJSON` (which does not
 * validate) sees it. The field specs are the operation table's, which the
 * compiler holds to proto `herald.gateway.v1.ClientFrame`; proto3 JSON names
 * (lowerCamelCase) and the original snake_case names are both accepted, as
 * the proto3 JSON mapping requires. Unknown fields are refused.
 */
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A field kind with nested messages' fields keyed by their proto (snake_case) names. */
type Kind = Exclude<FieldKind, { message: unknown }> | { spec: Spec };
type Spec = Record<string, Kind>;

function toSpec(fields: Readonly<Record<string, FieldKind>>): Spec {
  return Object.fromEntries(
    Object.entries(fields).map(([f, k]) => [snake(f), typeof k === "object" && "message" in k ? { spec: toSpec(k.message) } : k]),
  );
}

// op name (proto field) -> { field (proto name) -> kind }, from the operation table
const OPS: Record<string, Spec> = Object.fromEntries(Object.entries(OPERATIONS).map(([op, entry]) => [snake(op), toSpec(entry.fields)]));

/** The operations' proto field names (`mark_read`), in the table's order. */
export const OP_NAMES = Object.keys(OPS);
/** Every key a frame may name its operation by: the proto field name and its JSON name (`mark_read`, `markRead`). */
export const OP_JSON_NAMES = Object.keys(OPERATIONS).flatMap((op) => (snake(op) === op ? [op] : [op, snake(op)]));

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const JSON_NAME_TO_OP = new Map<string, string>();
for (const op of OP_NAMES) {
  JSON_NAME_TO_OP.set(op, op);
  JSON_NAME_TO_OP.set(camel(op), op);
}

export const MAX_REQUEST_ID = 2 ** 31 - 1;

/** A frame that failed validation; `id` is the request id when it could be read. */
export class FrameError extends HeraldError {
  readonly requestId: number;
  constructor(requestId: number, err: HeraldError) {
    super(err.code, err.message, { field: err.field });
    this.requestId = requestId;
  }
}

function checkKind(path: string, kind: Kind, v: unknown): void {
  const bad = (what: string) => HeraldError.invalid(path, `must be ${what}`);
  const isObject = v !== null && typeof v === "object" && !Array.isArray(v);
  if (kind === "string") {
    if (typeof v !== "string") throw bad("a string");
  } else if (kind === "bool") {
    if (typeof v !== "boolean") throw bad("true or false");
  } else if (kind === "uint32") {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw bad("an unsigned 32-bit integer");
  } else if (kind === "int64") {
    if (parseSeq(v) === null) throw bad("a non-negative integer (number or decimal string)");
  } else if (kind === "string[]") {
    if (!Array.isArray(v)) throw bad("an array of strings");
    v.forEach((x, i) => {
      if (typeof x !== "string") throw HeraldError.invalid(`${path}[${i}]`, "must be a string");
    });
  } else if (kind === "struct") {
    if (!isObject) throw bad("a JSON object");
  } else if (kind === "string_map") {
    if (!isObject) throw bad("an object of strings");
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (typeof x !== "string") throw HeraldError.invalid(`${path}.${k.slice(0, 64)}`, "must be a string");
  } else if ("spec" in kind) {
    if (!isObject) throw bad("a JSON object");
    checkFields(path, kind.spec, v as Record<string, unknown>);
  } else {
    const ok =
      (typeof v === "string" && kind.enum.includes(v)) || (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < kind.enum.length);
    if (!ok) throw bad(`one of ${kind.enum.join(", ")}`);
  }
}

/** Checks a message's fields against `spec`: proto or JSON names, each once, none unknown; null is the default. */
function checkFields(path: string, spec: Spec, body: Record<string, unknown>): void {
  const seen = new Set<string>();
  for (const [k, v] of Object.entries(body)) {
    const field = Object.hasOwn(spec, k) ? k : Object.keys(spec).find((f) => camel(f) === k);
    if (field === undefined) throw HeraldError.invalid(`${path}.${k.slice(0, 64)}`, "unknown field");
    if (seen.has(field)) throw HeraldError.invalid(`${path}.${field}`, "given twice");
    seen.add(field);
    if (v === null) continue; // proto3 JSON: null means the default value
    checkKind(`${path}.${field}`, spec[field]!, v);
  }
}

/**
 * Parses and validates one text frame. Returns the typed frame; throws a
 * FrameError (`invalid_argument`, or `unimplemented` for an unknown operation)
 * carrying the request id when it was readable.
 */
export function parseClientFrame(text: string): { id: number; frame: ClientFrame } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FrameError(0, HeraldError.invalid("frame", "is not valid JSON"));
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new FrameError(0, HeraldError.invalid("frame", "must be a JSON object"));
  const obj = raw as Record<string, unknown>;
  const id = obj.id;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id > MAX_REQUEST_ID)
    throw new FrameError(0, HeraldError.invalid("id", `must be an integer from 1 to ${MAX_REQUEST_ID}`));
  let op: string | undefined;
  for (const key of Object.keys(obj)) {
    if (key === "id") continue;
    const name = JSON_NAME_TO_OP.get(key);
    if (name === undefined)
      throw new FrameError(
        id,
        new HeraldError("unimplemented", `unknown operation or field "${key.slice(0, 64)}"`, { field: key.slice(0, 64) }),
      );
    if (op !== undefined) throw new FrameError(id, HeraldError.invalid(key, "a frame carries exactly one operation"));
    op = name;
  }
  if (op === undefined) throw new FrameError(id, HeraldError.invalid("frame", `needs one operation: ${OP_NAMES.join(", ")}`));
  const body = obj[op] ?? obj[camel(op)];
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new FrameError(id, HeraldError.invalid(op, "must be a JSON object"));
  try {
    checkFields(op, OPS[op]!, body as Record<string, unknown>);
  } catch (err) {
    throw new FrameError(id, err as HeraldError);
  }
  return { id, frame: ClientFrame.fromJSON(obj) };
}
