import type { RE2JS } from "re2js";
import { type FieldPath, type FilterDocument, isScalar, resolvePath, type Scalar } from "./field-path.js";

/**
 * The terms a filter is made of once parsed (the leaves of its tree and the
 * literals of its DNF). Each tests the value at its path; `id` is a canonical
 * text (kind, path, operands) so equal terms of one filter are recognised.
 * Every test is O(1) or linear in the tested value (an array scan for
 * `contains`, re2js for `regexp`), never worse.
 */
export type Atom = EqualsAtom | InAtom | RangeAtom | ExistsAtom | ContainsAtom | RegexpAtom;

interface AtomBase {
  readonly path: FieldPath;
  readonly id: string;
}

/** `equals`: the value is this scalar, of the same type (`1` is not `"1"`). */
export interface EqualsAtom extends AtomBase {
  readonly kind: "equals";
  readonly value: Scalar;
}

/** `in` / `ids`: the value is one of these scalars (type-exact, Set lookup). */
export interface InAtom extends AtomBase {
  readonly kind: "in";
  readonly values: ReadonlySet<Scalar>;
}

/** `range`: the value is a number within the bounds (an absent bound is infinite). */
export interface RangeAtom extends AtomBase {
  readonly kind: "range";
  readonly low: number;
  readonly lowInclusive: boolean;
  readonly high: number;
  readonly highInclusive: boolean;
}

/** `exists`: the path leads to a value (any, `null` included). */
export interface ExistsAtom extends AtomBase {
  readonly kind: "exists";
}

/** `exists: "path[value]"`: the value is an array holding this scalar (type-exact). */
export interface ContainsAtom extends AtomBase {
  readonly kind: "contains";
  readonly value: Scalar;
}

/** `regexp`: the value is a string in which the (unanchored) re2js pattern finds a match. */
export interface RegexpAtom extends AtomBase {
  readonly kind: "regexp";
  readonly re: RE2JS;
}

/** A stable text for a scalar that keeps its type (`1` vs `"1"`). */
export function scalarKey(value: Scalar): string {
  return JSON.stringify(value);
}

/** Builds an atom's canonical id from its kind, path and operand text. */
export function atomId(kind: Atom["kind"], path: FieldPath, operand: string): string {
  return `${kind}\u0000${path.text}\u0000${operand}`;
}

/** Whether the value found at the atom's path (`undefined` = missing) satisfies it. */
export function testValue(atom: Atom, value: unknown): boolean {
  switch (atom.kind) {
    case "equals":
      return value === atom.value;
    case "in":
      return isScalar(value) && atom.values.has(value);
    case "range":
      return (
        typeof value === "number" &&
        (atom.lowInclusive ? value >= atom.low : value > atom.low) &&
        (atom.highInclusive ? value <= atom.high : value < atom.high)
      );
    case "exists":
      return value !== undefined;
    case "contains":
      return Array.isArray(value) && value.includes(atom.value);
    case "regexp":
      return typeof value === "string" && atom.re.test(value);
  }
}

/** Whether `doc` satisfies the atom. */
export function testAtom(atom: Atom, doc: FilterDocument): boolean {
  return testValue(atom, resolvePath(atom.path, doc));
}
