/** Rows per catch-up read: also the most a catch-up can take the read budget into debt. */
export const CATCH_UP_PAGE = 100;

/**
 * What an ordered stream carries: a persistent item has its topic's seq
 * (gapless, from 1); an ephemeral one (`persistent: false`) has seq 0. An
 * inbox's `Notification`, a room's `RoomEvent`.
 */
export interface Sequenced {
  seq: number;
  persistent: boolean;
}

/** What an ordered stream is built on: its topic's store, its consumer, and the consumer's backpressure. */
export interface OrderedStreamOptions<T extends Sequenced> {
  /**
   * Reads the topic's persistent items after `afterSeq`, in seq order,
   * at most `limit`; resolves `undefined` when the consumer went away meanwhile
   * (a paced read gives up without reading).
   */
  read(afterSeq: number, limit: number): Promise<T[] | undefined>;
  /** Hands one item to the consumer (synchronously: the hot path). */
  push(n: T): void;
  /** The consumer is gone: stop at once. */
  isClosed(): boolean;
  /** The consumer holds more unsent output than a catch-up should add to. */
  congested(): boolean;
  /** Resolves once the consumer has taken most of its unsent output (or is gone). */
  drained(): Promise<void>;
  /** Catch-up could not read the store; the stream stops (the consumer should close and resume). */
  failed(err: unknown): void;
}

interface Queued<T> {
  n: T;
  gen: number;
  /** False: the consumer does not want it (a filter ruled it out); it only moves the seq on. */
  wanted: boolean;
  /** See `offer`. */
  runFrom: number;
}

/**
 * One topic's items (notifications of an inbox, events of a room) in order,
 * for one consumer. Contract for persistent items: pushed in seq order, each
 * exactly once, with no gap that the store could fill. A seq that skips
 * ahead, a resume and a fan-out reconnect all go through `#catchUp`, which
 * reads the store after the last seq pushed, page by page as the consumer
 * drains; live items arriving meanwhile are queued and merged in order.
 * Ephemeral ones (seq 0) are pushed as they come, queued behind a running
 * catch-up.
 *
 * A new stream queues everything until `open` (the consumer subscribes first,
 * then reads its starting point, then opens: nothing falls between).
 */
export class OrderedStream<T extends Sequenced> {
  readonly #o: OrderedStreamOptions<T>;
  #lastSeq = 0;
  /** Queueing: not open yet, or a catch-up is running. */
  #syncing = true;
  #queue: Queued<T>[] = [];
  /** Counts offered items: tells one offered before a catch-up read from one offered during it. */
  #gen = 0;

  constructor(options: OrderedStreamOptions<T>) {
    this.#o = options;
  }

  /** The seq of the last persistent item pushed (or the starting point). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Starts delivery after `lastSeq`: catches up from the store, then merges
   * what was queued. `newest`: the store's newest seq, read after the
   * consumer subscribed; from there on every item comes live, so a stream
   * that starts there has nothing to read and merges its queue at once.
   */
  open(lastSeq: number, newest = Number.POSITIVE_INFINITY): void {
    this.#lastSeq = lastSeq;
    void this.#catchUp(lastSeq >= newest);
  }

  /** Re-reads the store after the last seq pushed (after a fan-out outage); nothing while queueing. */
  resync(): void {
    if (!this.#syncing) void this.#catchUp();
  }

  /**
   * A live item of the topic. In order it is pushed at once: no allocation,
   * no await. `wanted` false (the caller knows the consumer's filter rules it
   * out) only moves the stream's seq on, so the next item is not a gap.
   * `runFrom`: the caller vouches that every seq from it up to this item's
   * was offered before it to this stream or ruled out by the consumer's
   * filter (a filtered subscription is offered only what may match); a gap
   * inside that run is no gap (`Infinity`: no such promise).
   */
  offer(n: T, wanted = true, runFrom = Number.POSITIVE_INFINITY): void {
    this.#gen++;
    if (this.#syncing) {
      this.#queue.push({ n, gen: this.#gen, wanted, runFrom });
      return;
    }
    if (!n.persistent) return wanted ? this.#push(n) : undefined;
    if (n.seq <= this.#lastSeq) return;
    if (n.seq > this.#lastSeq + 1 && runFrom <= this.#lastSeq + 1) this.#lastSeq = n.seq - 1;
    if (n.seq === this.#lastSeq + 1) return wanted ? this.#push(n) : void (this.#lastSeq = n.seq);
    this.#queue.push({ n, gen: this.#gen, wanted, runFrom });
    void this.#catchUp();
  }

  /** Drops what is queued (the consumer is gone). */
  dispose(): void {
    this.#queue = [];
  }

  #push(n: T): void {
    if (n.persistent && n.seq > this.#lastSeq) this.#lastSeq = n.seq;
    this.#o.push(n);
  }

  /** `skipRead`: the first round has nothing to read (see `open`); it only merges the queue. */
  async #catchUp(skipRead = false): Promise<void> {
    this.#syncing = true;
    try {
      for (let first = true; ; first = false) {
        const skip = first && skipRead;
        // Without a read, no queued item's gap was vouched for by one (gen 0: none).
        const fetchGen = skip ? 0 : this.#gen;
        if (!skip && !(await this.#readPages())) return;
        if (this.#mergeQueue(fetchGen)) break;
      }
      this.#syncing = false;
    } catch (err) {
      this.#o.failed(err);
    }
  }

  /** Pushes the store's rows after the last seq, page by page; false once the consumer is gone. */
  async #readPages(): Promise<boolean> {
    const o = this.#o;
    for (;;) {
      const rows = await o.read(this.#lastSeq, CATCH_UP_PAGE);
      if (rows === undefined || o.isClosed()) return false;
      for (const r of rows) {
        if (o.congested()) await o.drained();
        if (o.isClosed()) return false;
        this.#push(r);
      }
      if (rows.length < CATCH_UP_PAGE) return true;
    }
  }

  /**
   * Merges what arrived during a catch-up; true when the queue is empty. A gap
   * left by an item offered before the catch-up's read began is real
   * (deleted, expired or purged); a later one needs another read.
   */
  #mergeQueue(fetchGen: number): boolean {
    let i = 0;
    for (; i < this.#queue.length; i++) {
      const { n, gen, wanted, runFrom } = this.#queue[i]!;
      if (!n.persistent) {
        if (wanted) this.#push(n);
      } else if (n.seq <= this.#lastSeq) continue;
      else if (n.seq === this.#lastSeq + 1 || gen <= fetchGen || runFrom <= this.#lastSeq + 1) {
        if (wanted) this.#push(n);
        else this.#lastSeq = n.seq;
      } else break;
    }
    this.#queue = this.#queue.slice(i);
    return this.#queue.length === 0;
  }
}
