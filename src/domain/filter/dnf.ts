import { HeraldError } from "../errors.js";
import type { Atom } from "./atoms.js";
import { MAX_FILTER_CONJUNCTIONS } from "./limits.js";
import type { FilterNode } from "./tree.js";

/** An atom or its negation. */
export interface Literal {
  readonly atom: Atom;
  readonly negated: boolean;
}

/** Literals that must all hold; the empty conjunction always holds. */
export type Conjunction = readonly Literal[];

type Draft = Map<string, Literal>;

/**
 * The disjunctive normal form of `node`: a document matches the tree exactly
 * when it satisfies one of the returned conjunctions. Negations are pushed
 * down to the atoms (De Morgan); within a conjunction a literal appears once
 * and a conjunction holding an atom and its negation is dropped; duplicate
 * conjunctions are dropped. `[]` never matches, `[[]]` always does.
 * Throws `HeraldError.invalid(field, ...)` as soon as more than
 * MAX_FILTER_CONJUNCTIONS would be needed, so the work is bounded too.
 */
export function toDnf(node: FilterNode, field: string): Conjunction[] {
  const drafts = expand(node, false, field);
  const seen = new Set<string>();
  const out: Conjunction[] = [];
  for (const d of drafts) {
    const key = [...d.keys()].sort().join("\u0001");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([...d.values()]);
  }
  return out;
}

function expand(node: FilterNode, negated: boolean, field: string): Draft[] {
  switch (node.op) {
    case "all":
      return negated ? [] : [new Map()];
    case "atom":
      return [new Map([[literalKey(node.atom, negated), { atom: node.atom, negated }]])];
    case "not":
      return expand(node.child, !negated, field);
    case "and":
    case "or": {
      const parts = node.children.map((c) => expand(c, negated, field));
      return (node.op === "and") !== negated ? product(parts, field) : union(parts, field);
    }
  }
}

function literalKey(atom: Atom, negated: boolean): string {
  return `${negated ? "-" : "+"}${atom.id}`;
}

function tooMany(field: string): HeraldError {
  return HeraldError.invalid(field, `more than ${MAX_FILTER_CONJUNCTIONS} alternatives once normalised (disjunctive normal form)`);
}

function union(parts: readonly Draft[][], field: string): Draft[] {
  const out = parts.flat();
  if (out.length > MAX_FILTER_CONJUNCTIONS) throw tooMany(field);
  return out;
}

function product(parts: readonly Draft[][], field: string): Draft[] {
  let acc: Draft[] = [new Map()];
  for (const part of parts) {
    const next: Draft[] = [];
    for (const a of acc)
      for (const b of part) {
        const merged = merge(a, b);
        if (merged === undefined) continue;
        if (next.length === MAX_FILTER_CONJUNCTIONS) throw tooMany(field);
        next.push(merged);
      }
    acc = next;
  }
  return acc;
}

/** a AND b, or undefined when they contradict (an atom and its negation). */
function merge(a: Draft, b: Draft): Draft | undefined {
  const out = new Map(a);
  for (const [key, literal] of b) {
    const opposite = `${literal.negated ? "+" : "-"}${literal.atom.id}`;
    if (out.has(opposite)) return undefined;
    out.set(key, literal);
  }
  return out;
}
