import { testAtom } from "./atoms.js";
import type { Conjunction, Literal } from "./dnf.js";
import { type FieldPath, type FilterDocument, resolvePath, type Scalar } from "./field-path.js";
import type { Filter } from "./filter.js";
import { scalarLeaves } from "./scalar-leaves.js";

/** A key with several conjunctions: `stamp` (the last `match` that reported it) reports it once. */
interface Owner {
  stamp: number;
}

/**
 * A conjunction as registered: in `slot` under each of `values` (its chosen
 * key literal's), at `positions[j]` of the bucket of `values[j]` when that
 * bucket is an array; or in the scan list when `slot` is undefined. `rest` is
 * what remains to check for a candidate. `owner` is set only when the key has
 * several conjunctions (one conjunction is found at most once per match: a
 * document has one value per path).
 */
interface Clause<K> {
  readonly key: K;
  readonly owner: Owner | undefined;
  readonly rest: readonly Literal[];
  readonly slot: Slot<K> | undefined;
  readonly values: readonly Scalar[];
  readonly positions: number[];
  /** values[j] -> j, for an `in` key with many values. */
  readonly valueIndex: Map<Scalar, number> | undefined;
}

/** One conjunction alone (most buckets), or several. */
type Bucket<K> = Clause<K> | Clause<K>[];

/** The conjunctions keyed on one path, by the scalar they require there. */
interface Slot<K> {
  readonly path: FieldPath;
  readonly buckets: Map<Scalar, Bucket<K>>;
  /** Registrations in all buckets (a slot with none is dropped). */
  count: number;
  /** Position in `FilterIndex.slotList`. */
  index: number;
}

const NOTHING_LEFT: readonly Literal[] = Object.freeze([]);

/**
 * Many filters, each under a caller-chosen key, matched against one document
 * at a time (Koncorde's idea, adapted to mixed shapes).
 *
 * Each filter's DNF conjunctions are registered separately. A conjunction
 * with a positive `equals` / `in` literal is keyed on ONE of them, chosen when
 * added as the one whose (path, value) buckets hold the fewest conjunctions
 * at that moment, so a value shared by many filters (`kind: "chat"`) is
 * passed over for a selective one (`user: "u42"`); an `in` is registered under
 * each of its values. Any other conjunction goes to a scan list.
 *
 * `match` finds the document's value at each keyed path (one Map lookup
 * each), checks the remaining literals of the conjunctions found there, then
 * every scan-list conjunction: its cost is O(min(keyed paths, document
 * fields) + candidates + scan list), independent of the number of filters
 * that cannot match. `add` and `remove` cost O(size of the filter).
 */
export class FilterIndex<K> {
  private readonly clauses = new Map<K, Clause<K>[]>();
  private readonly slots = new Map<string, Slot<K>>();
  private readonly slotList: Slot<K>[] = [];
  private readonly scan = new Set<Clause<K>>();
  private epoch = 0;
  private readonly directPaths: number;

  /**
   * `directPaths` (default 32): up to this many distinct keyed paths, `match`
   * resolves each path in the document; beyond, it walks the document.
   */
  constructor(options: { directPaths?: number } = {}) {
    this.directPaths = options.directPaths ?? 32;
  }

  /** Number of keys held. */
  get size(): number {
    return this.clauses.size;
  }

  /** Registers `filter` under `key`, replacing the key's previous filter. */
  add(key: K, filter: Filter): void {
    this.remove(key);
    const owner = filter.dnf.length > 1 ? { stamp: 0 } : undefined;
    this.clauses.set(
      key,
      filter.dnf.map((conjunction) => this.register(key, owner, conjunction)),
    );
  }

  /** Drops `key` and its filter (no-op when absent). */
  remove(key: K): void {
    const clauses = this.clauses.get(key);
    if (clauses === undefined) return;
    this.clauses.delete(key);
    for (const clause of clauses) this.unregister(clause);
  }

  /**
   * Every key whose filter matches `doc`, each once, in no particular order.
   * With few keyed paths, each is resolved in the document; with more than
   * `directPaths`, the document's scalar fields are looked up instead, unless
   * it has more fields than there are keyed paths.
   */
  match(doc: FilterDocument): K[] {
    const epoch = ++this.epoch;
    const out: K[] = [];
    const slots = this.slotList;
    const leaves = slots.length > this.directPaths ? scalarLeaves(doc, slots.length) : undefined;
    if (leaves !== undefined)
      for (let i = 0; i < leaves.length; i += 2) {
        const slot = this.slots.get(leaves[i] as string);
        if (slot !== undefined) candidates(slot.buckets.get(leaves[i + 1] as Scalar), doc, epoch, out);
      }
    else
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        const value = resolvePath(slot.path, doc);
        // Objects and arrays are never bucket keys: Map.get finds nothing for them.
        if (value !== undefined) candidates(slot.buckets.get(value as Scalar), doc, epoch, out);
      }
    if (this.scan.size > 0) for (const clause of this.scan) consider(clause, doc, epoch, out);
    return out;
  }

  /**
   * Where each conjunction of `key`'s filter is registered: under a path at
   * the listed values, or in the scan list; undefined for an unknown key.
   * For diagnostics and tests.
   */
  registrations(key: K): ({ path: string; values: readonly Scalar[] } | "scan")[] | undefined {
    return this.clauses.get(key)?.map((c) => (c.slot === undefined ? "scan" : { path: c.slot.path.text, values: c.values }));
  }

  private register(key: K, owner: Owner | undefined, conjunction: Conjunction): Clause<K> {
    const keyLiteral = this.pickKey(conjunction);
    if (keyLiteral === undefined) {
      const rest = conjunction.length === 0 ? NOTHING_LEFT : conjunction;
      const clause: Clause<K> = { key, owner, rest, slot: undefined, values: [], positions: [], valueIndex: undefined };
      this.scan.add(clause);
      return clause;
    }
    const atom = keyLiteral.atom;
    const values = atom.kind === "equals" ? [atom.value] : atom.kind === "in" ? [...atom.values] : [];
    const slot = this.slotFor(atom.path);
    const rest = conjunction.length === 1 ? NOTHING_LEFT : conjunction.filter((l) => l !== keyLiteral);
    const valueIndex = values.length > 1 ? new Map(values.map((v, j) => [v, j])) : undefined;
    const clause: Clause<K> = { key, owner, rest, slot, values, positions: values.map(() => 0), valueIndex };
    for (let j = 0; j < values.length; j++) this.bucketAdd(slot, clause, j);
    slot.count += values.length;
    return clause;
  }

  private unregister(clause: Clause<K>): void {
    const slot = clause.slot;
    if (slot === undefined) {
      this.scan.delete(clause);
      return;
    }
    for (let j = 0; j < clause.values.length; j++) this.bucketDelete(slot, clause, j);
    slot.count -= clause.values.length;
    if (slot.count === 0) this.dropSlot(slot);
  }

  private bucketAdd(slot: Slot<K>, clause: Clause<K>, j: number): void {
    const value = clause.values[j]!;
    const bucket = slot.buckets.get(value);
    if (bucket === undefined) {
      slot.buckets.set(value, clause);
      return;
    }
    let list: Clause<K>[];
    if (Array.isArray(bucket)) list = bucket;
    else {
      bucket.positions[positionOf(bucket, value)] = 0;
      slot.buckets.set(value, (list = [bucket]));
    }
    clause.positions[j] = list.length;
    list.push(clause);
  }

  /** Swap-removes the clause from the bucket of its value j; a bucket left with one clause holds it alone. */
  private bucketDelete(slot: Slot<K>, clause: Clause<K>, j: number): void {
    const value = clause.values[j]!;
    const bucket = slot.buckets.get(value);
    if (bucket === undefined) return;
    if (!Array.isArray(bucket)) {
      slot.buckets.delete(value);
      return;
    }
    const at = clause.positions[j]!;
    const last = bucket.pop()!;
    if (last !== clause) {
      bucket[at] = last;
      last.positions[positionOf(last, value)] = at;
    }
    if (bucket.length === 1) slot.buckets.set(value, bucket[0]!);
  }

  /** The positive `equals` / `in` literal whose buckets now hold the fewest conjunctions, if any. */
  private pickKey(conjunction: Conjunction): Literal | undefined {
    let best: Literal | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const literal of conjunction) {
      const atom = literal.atom;
      if (literal.negated || (atom.kind !== "equals" && atom.kind !== "in")) continue;
      const buckets = this.slots.get(atom.path.text)?.buckets;
      let cost = 0;
      if (atom.kind === "equals") cost = bucketSize(buckets?.get(atom.value));
      else for (const v of atom.values) cost += bucketSize(buckets?.get(v));
      if (cost < bestCost) [best, bestCost] = [literal, cost];
    }
    return best;
  }

  private slotFor(path: FieldPath): Slot<K> {
    let slot = this.slots.get(path.text);
    if (slot === undefined) {
      slot = { path, buckets: new Map(), count: 0, index: this.slotList.length };
      this.slots.set(path.text, slot);
      this.slotList.push(slot);
    }
    return slot;
  }

  private dropSlot(slot: Slot<K>): void {
    this.slots.delete(slot.path.text);
    const last = this.slotList.pop()!;
    if (last !== slot) {
      this.slotList[slot.index] = last;
      last.index = slot.index;
    }
  }
}

function bucketSize<K>(bucket: Bucket<K> | undefined): number {
  return bucket === undefined ? 0 : Array.isArray(bucket) ? bucket.length : 1;
}

/** Which of the clause's values `value` is. */
function positionOf<K>(clause: Clause<K>, value: Scalar): number {
  return clause.valueIndex === undefined ? 0 : clause.valueIndex.get(value)!;
}

function candidates<K>(bucket: Bucket<K> | undefined, doc: FilterDocument, epoch: number, out: K[]): void {
  if (bucket === undefined) return;
  if (Array.isArray(bucket)) for (let j = 0; j < bucket.length; j++) consider(bucket[j]!, doc, epoch, out);
  else consider(bucket, doc, epoch, out);
}

/** Reports the clause's key when its remaining literals hold and the key was not reported yet in this match. */
function consider<K>(clause: Clause<K>, doc: FilterDocument, epoch: number, out: K[]): void {
  const owner = clause.owner;
  if (owner !== undefined && owner.stamp === epoch) return;
  const rest = clause.rest;
  for (let i = 0; i < rest.length; i++) {
    const literal = rest[i]!;
    if (testAtom(literal.atom, doc) === literal.negated) return;
  }
  if (owner !== undefined) owner.stamp = epoch;
  out.push(clause.key);
}
