import type { FilterDocument } from "./field-path.js";
import { MAX_PATH_DEPTH, MAX_PATH_LENGTH } from "./limits.js";

/**
 * The scalar values of `doc` that a field path can reach, as a flat list
 * `[path, value, path, value, ...]`: the content's fields whose first segment
 * does not start with `_`, and the envelope's fields whose first segment
 * does, going through plain objects only (own enumerable keys; arrays are
 * not entered), skipping keys that are empty or hold a dot (no path reaches
 * them) and paths deeper or longer than a field path may be.
 *
 * Returns undefined, having done at most `budget` steps, when the document
 * has more than `budget` properties to look at: the caller then resolves its
 * own paths instead, so its cost is O(min(budget, document size)).
 */
export function scalarLeaves(doc: FilterDocument, budget: number): unknown[] | undefined {
  const out: unknown[] = [];
  const state = { steps: 0, budget, out };
  if (!walk(doc.content, "", 1, false, state)) return undefined;
  if (!walk(doc.envelope, "", 1, true, state)) return undefined;
  return out;
}

interface WalkState {
  steps: number;
  readonly budget: number;
  readonly out: unknown[];
}

function walk(obj: object, prefix: string, depth: number, envelope: boolean, state: WalkState): boolean {
  for (const key of Object.keys(obj)) {
    if (++state.steps > state.budget) return false;
    if (key.length === 0 || key.includes(".")) continue;
    if (depth === 1 && key.startsWith("_") !== envelope) continue;
    const path = depth === 1 ? key : `${prefix}.${key}`;
    if (path.length > MAX_PATH_LENGTH) continue;
    const value = (obj as Record<string, unknown>)[key];
    if (value === null || typeof value !== "object") state.out.push(path, value);
    else if (!Array.isArray(value) && depth < MAX_PATH_DEPTH && !walk(value, path, depth + 1, envelope, state)) return false;
  }
  return true;
}
