import type { Sequenced } from "./ordered-stream.js";

/** How long an event ahead of the next expected seq waits for the ones before it. */
export const REORDER_HOLD_MS = 50;

/**
 * Puts one topic's live events back in seq order before a node offers them to
 * its subscriptions. Consecutive seqs can arrive swapped (two commits answered
 * in the same loop turn, or through different nodes' NATS connections); each
 * subscription's `OrderedStream` would take the early one for a gap and read
 * the store: one read per subscription, a thousand for a room of a thousand.
 * Here an event ahead of the next expected seq is held, at most `holdMs`,
 * until the ones before it arrive; then whatever is held goes out in seq
 * order, and a real gap (an event lost on the way) is left to the streams'
 * catch-up as before. Ephemeral events (seq 0) and late ones pass at once.
 *
 * Each event goes out with the first seq of the run it belongs to (`runFrom`):
 * every seq from `runFrom` up to the event's was sent before it, once, in
 * order. A subscription that is not given every event (a filter ruled the
 * others out) uses it to tell a seq that was filtered out from one it missed.
 */
export class SeqReorder<T extends Sequenced> {
  readonly #emit: (e: T, runFrom: number) => void;
  readonly #holdMs: number;
  /** The next seq expected (0: none seen yet). */
  #next = 0;
  readonly #held = new Map<number, T>();
  #timer: NodeJS.Timeout | undefined;

  /** The highest seq sent (0: none since the start or the last `breakRun`). */
  #lastOut = 0;
  #runFrom = 0;

  constructor(options: { emit: (e: T, runFrom: number) => void; holdMs?: number }) {
    this.#emit = options.emit;
    this.#holdMs = options.holdMs ?? REORDER_HOLD_MS;
  }

  offer(e: T): void {
    if (!e.persistent || (this.#next !== 0 && e.seq < this.#next)) return this.#out(e);
    if (this.#next === 0 || e.seq === this.#next) {
      this.#out(e);
      this.#next = e.seq + 1;
      this.#drain();
      return;
    }
    this.#held.set(e.seq, e);
    this.#timer ??= setTimeout(() => this.flush(), this.#holdMs).unref();
  }

  /** Sends everything held, in seq order, and expects what follows the last (also after a fan-out outage). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = [...this.#held.values()].sort((a, b) => a.seq - b.seq);
    this.#held.clear();
    for (const e of held) {
      this.#out(e);
      this.#next = Math.max(this.#next, e.seq + 1);
    }
  }

  /**
   * What was sent may not be all there was (the fan-out was down): the next
   * event starts a new run, so nobody takes the seqs before it for filtered out.
   */
  breakRun(): void {
    this.flush();
    this.#lastOut = 0;
  }

  /** Stops the timer and drops what is held (the topic is left). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held.clear();
  }

  #drain(): void {
    for (let e = this.#held.get(this.#next); e !== undefined; e = this.#held.get(this.#next)) {
      this.#held.delete(this.#next);
      this.#out(e);
      this.#next++;
    }
    if (this.#held.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #out(e: T): void {
    if (e.persistent) {
      if (this.#lastOut === 0 || e.seq > this.#lastOut + 1) this.#runFrom = e.seq;
      if (e.seq > this.#lastOut) this.#lastOut = e.seq;
    }
    this.#emit(e, this.#runFrom);
  }
}
