import { type Conjunction, toDnf } from "./dnf.js";
import type { FilterDocument } from "./field-path.js";
import { parseFilterTree } from "./parse-filter.js";
import { evaluate, type FilterNode } from "./tree.js";

/**
 * A validated subscription filter. Immutable; safe to share between
 * subscriptions and indexes.
 */
export interface Filter {
  /** Whether `doc` matches. Cost: at most one test per condition of the filter. */
  test(doc: FilterDocument): boolean;
  /** The filter as a disjunction of conjunctions (what FilterIndex registers). */
  readonly dnf: readonly Conjunction[];
  /** The parsed tree (sugar removed), which `test` evaluates. */
  readonly tree: FilterNode;
}

class ParsedFilter implements Filter {
  constructor(
    readonly tree: FilterNode,
    readonly dnf: readonly Conjunction[],
  ) {}

  test(doc: FilterDocument): boolean {
    return evaluate(this.tree, doc);
  }
}

/**
 * Validates and normalises a Koncorde-DSL filter (see parse-filter.ts for the
 * language, its semantics and limits). Throws `HeraldError` `invalid_argument`
 * whose `field` is the offending part, under `root` (default `"filter"`).
 */
export function parseFilter(raw: unknown, root = "filter"): Filter {
  const tree = parseFilterTree(raw, root);
  return new ParsedFilter(tree, toDnf(tree, root));
}
