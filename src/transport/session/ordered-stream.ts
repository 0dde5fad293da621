import type { Notification } from "../../domain/notification.js";

/** Rows per catch-up read: also the most a catch-up can take the read budget into debt. */
export const CATCH_UP_PAGE = 100;

/** What an ordered stream is built on: its topic's store, its consumer, and the consumer's backpressure. */
export interface OrderedStreamOptions {
  /**
   * Reads the topic's persistent notifications after `afterSeq`, in seq order,
   * at most `limit`; resolves `undefined` when the consumer went away meanwhile
   * (a paced read gives up without reading).
   */
  read(afterSeq: number, limit: number): Promise<Notification[] | undefined>;
  /** Hands one notification to the consumer (synchronously: the hot path). */
  push(n: Notification): void;
  /** The consumer is gone: stop at once. */
  isClosed(): boolean;
  /** The consumer holds more unsent output than a catch-up should add to. */
  congested(): boolean;
  /** Resolves once the consumer has taken most of its unsent output (or is gone). */
  drained(): Promise<void>;
  /** Catch-up could not read the store; the stream stops (the consumer should close and resume). */
  failed(err: unknown): void;
}

interface Queued {
  n: Notification;
  gen: number;
}

/**
 * One topic's notifications in order, for one consumer. Contract for
 * persistent notifications: pushed in seq order, each exactly once, with no
 * gap that the store could fill. A seq that skips ahead, a resume and a
 * fan-out reconnect all go through `#catchUp`, which reads the store after
 * the last seq pushed, page by page as the consumer drains; live
 * notifications arriving meanwhile are queued and merged in order. Ephemeral
 * ones (seq 0) are pushed as they come, queued behind a running catch-up.
 *
 * A new stream queues everything until `open` (the consumer subscribes first,
 * then reads its starting point, then opens: nothing falls between).
 */
export class OrderedStream {
  readonly #o: OrderedStreamOptions;
  #lastSeq = 0;
  /** Queueing: not open yet, or a catch-up is running. */
  #syncing = true;
  #queue: Queued[] = [];
  /** Counts offered notifications: tells one offered before a catch-up read from one offered during it. */
  #gen = 0;

  constructor(options: OrderedStreamOptions) {
    this.#o = options;
  }

  /** The seq of the last persistent notification pushed (or the starting point). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Starts delivery after `lastSeq`: catches up from the store, then merges what was queued. */
  open(lastSeq: number): void {
    this.#lastSeq = lastSeq;
    void this.#catchUp();
  }

  /** Re-reads the store after the last seq pushed (after a fan-out outage); nothing while queueing. */
  resync(): void {
    if (!this.#syncing) void this.#catchUp();
  }

  /** A live notification of the topic. In order it is pushed at once: no allocation, no await. */
  offer(n: Notification): void {
    this.#gen++;
    if (this.#syncing) {
      this.#queue.push({ n, gen: this.#gen });
      return;
    }
    if (!n.persistent) return this.#push(n);
    if (n.seq <= this.#lastSeq) return;
    if (n.seq === this.#lastSeq + 1) return this.#push(n);
    this.#queue.push({ n, gen: this.#gen });
    void this.#catchUp();
  }

  /** Drops what is queued (the consumer is gone). */
  dispose(): void {
    this.#queue = [];
  }

  #push(n: Notification): void {
    if (n.persistent && n.seq > this.#lastSeq) this.#lastSeq = n.seq;
    this.#o.push(n);
  }

  async #catchUp(): Promise<void> {
    this.#syncing = true;
    try {
      for (;;) {
        const fetchGen = this.#gen;
        if (!(await this.#readPages())) return;
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
   * left by a notification offered before the catch-up's read began is real
   * (deleted or expired); a later one needs another read.
   */
  #mergeQueue(fetchGen: number): boolean {
    let i = 0;
    for (; i < this.#queue.length; i++) {
      const { n, gen } = this.#queue[i]!;
      if (!n.persistent) this.#push(n);
      else if (n.seq <= this.#lastSeq) continue;
      else if (n.seq === this.#lastSeq + 1 || gen <= fetchGen) this.#push(n);
      else break;
    }
    this.#queue = this.#queue.slice(i);
    return this.#queue.length === 0;
  }
}
