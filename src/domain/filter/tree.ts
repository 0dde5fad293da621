import { type Atom, testAtom } from "./atoms.js";
import type { FilterDocument } from "./field-path.js";

/**
 * A parsed filter with its syntactic sugar removed: `bool`, `missing`, `ids`
 * and the deprecated `exists: {field}` are rewritten to these five nodes.
 * `all` is the empty filter `{}` (matches every document). `and` / `or` have
 * at least one child.
 */
export type FilterNode =
  | { readonly op: "all" }
  | { readonly op: "atom"; readonly atom: Atom }
  | { readonly op: "not"; readonly child: FilterNode }
  | { readonly op: "and"; readonly children: readonly FilterNode[] }
  | { readonly op: "or"; readonly children: readonly FilterNode[] };

/**
 * Evaluates the tree on `doc`, short-circuiting `and` / `or`. Cost: at most
 * one test per atom (the tree's size is capped at parse time).
 */
export function evaluate(node: FilterNode, doc: FilterDocument): boolean {
  switch (node.op) {
    case "all":
      return true;
    case "atom":
      return testAtom(node.atom, doc);
    case "not":
      return !evaluate(node.child, doc);
    case "and":
      for (const child of node.children) if (!evaluate(child, doc)) return false;
      return true;
    case "or":
      for (const child of node.children) if (evaluate(child, doc)) return true;
      return false;
  }
}
