import type { ErrorCode } from "./errors.js";
import type { NewNotification, NotificationStore, StoredOutcome } from "./ports.js";

interface Job<Row, Out> {
  rows: Row[];
  /** Rows handed to batches so far. */
  taken: number;
  /** Rows stored so far. */
  stored: number;
  out: Out[];
  settled: boolean;
  resolve: (out: Out[]) => void;
  reject: (err: unknown) => void;
}

/** The rows [from, to) of one job, in one batch. A job has at most one part in flight. */
interface Part<Row, Out> {
  job: Job<Row, Out>;
  from: number;
  to: number;
}

/** Failures that no other send of the batch could have caused: retrying them alone would not help. */
const BATCH_WIDE: ReadonlySet<ErrorCode> = new Set(["unavailable", "deadline_exceeded"]);

/**
 * Coalesces concurrent sends into multi-row inserts: one insert per batch, not
 * per row (`insert` stores a batch atomically and returns one outcome per
 * row, in order). Serves the inbox's sends (`SendCoalescer`) and rooms'
 * publishes. A send that arrives while `maxInFlight` batches are running
 * waits and is merged with the others that arrived meanwhile, up to `maxRows`
 * rows per batch. An idle server stores the first send at once (no timer).
 *
 * A send of up to `maxRows` rows is stored atomically, in one batch with other
 * such sends. A larger one is stored in parts of `maxRows` rows, each atomic
 * and in a batch of its own, one part at a time; when both kinds wait, batches
 * of small sends and parts of large ones take turns. So one call of 10,000
 * recipients delays another send by one part, not by the whole call, and a
 * stream of small sends never starves it. If a part fails, the send fails, and
 * its parts stored before stay stored.
 *
 * A batch that fails for a reason one of its sends may have caused (anything
 * but `unavailable` and `deadline_exceeded`) is split in halves and retried
 * until the failing sends are alone: they fail, the others are stored. Nothing
 * of a failed statement is written, so the retries store each row once.
 */
export class Coalescer<Row, Out> {
  readonly #insert: (rows: Row[]) => Promise<Out[]>;
  readonly #maxRows: number;
  readonly #maxInFlight: number;
  /** Sends of at most maxRows rows, in arrival order. */
  readonly #small: Job<Row, Out>[] = [];
  /** Larger sends with rows left and no part in flight, in turn order. */
  readonly #large: Job<Row, Out>[] = [];
  #lastWasLarge = false;
  #inFlight = 0;

  constructor(options: { insert: (rows: Row[]) => Promise<Out[]>; maxRows?: number; maxInFlight?: number }) {
    this.#insert = options.insert;
    this.#maxRows = options.maxRows ?? 1000;
    this.#maxInFlight = options.maxInFlight ?? 4;
  }

  /** Stores the rows; outcomes come back in input order. */
  store(rows: Row[]): Promise<Out[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const job: Job<Row, Out> = { rows, taken: 0, stored: 0, out: new Array<Out>(rows.length), settled: false, resolve, reject };
      (rows.length > this.#maxRows ? this.#large : this.#small).push(job);
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && (this.#small.length > 0 || this.#large.length > 0)) {
      const parts = this.#nextBatch();
      this.#inFlight++;
      void this.#run(parts).finally(() => {
        // The next batch starts from a macrotask: an embedded database (PGlite)
        // resolves its queries without yielding, and batch after batch must not
        // starve I/O (sends arriving meanwhile, pushes to connections).
        setImmediate(() => {
          this.#inFlight--;
          // A large send takes its next turn behind whatever queued meanwhile.
          for (const p of parts) if (!p.job.settled && p.job.taken < p.job.rows.length) this.#large.push(p.job);
          this.#pump();
        });
      });
    }
  }

  /** Either whole small sends in arrival order, up to maxRows rows, or the next part of one large send. */
  #nextBatch(): Part<Row, Out>[] {
    const large = this.#large.length > 0 && (this.#small.length === 0 || !this.#lastWasLarge);
    this.#lastWasLarge = large;
    if (large) {
      const job = this.#large.shift()!;
      const take = Math.min(job.rows.length - job.taken, this.#maxRows);
      const part = { job, from: job.taken, to: job.taken + take };
      job.taken += take;
      return [part];
    }
    const parts: Part<Row, Out>[] = [];
    let n = 0;
    while (this.#small.length > 0 && n + this.#small[0]!.rows.length <= this.#maxRows) {
      const job = this.#small.shift()!;
      parts.push({ job, from: 0, to: job.rows.length });
      job.taken = job.rows.length;
      n += job.rows.length;
    }
    return parts;
  }

  async #run(parts: Part<Row, Out>[]): Promise<void> {
    try {
      this.#stored(parts, await this.#insert(rowsOf(parts)));
    } catch (err) {
      await this.#isolate(parts, err);
    }
  }

  /** Retries the halves of a failed batch until each failing part is alone. */
  async #isolate(parts: Part<Row, Out>[], err: unknown): Promise<void> {
    const code = (err as { code?: unknown })?.code;
    if (parts.length === 1 || (typeof code === "string" && BATCH_WIDE.has(code as ErrorCode))) {
      for (const p of parts) this.#fail(p.job, err);
      return;
    }
    const mid = Math.ceil(parts.length / 2);
    for (const half of [parts.slice(0, mid), parts.slice(mid)]) {
      try {
        this.#stored(half, await this.#insert(rowsOf(half)));
      } catch (e) {
        await this.#isolate(half, e);
      }
    }
  }

  #stored(parts: Part<Row, Out>[], out: Out[]): void {
    let at = 0;
    for (const p of parts) {
      const job = p.job;
      for (let i = p.from; i < p.to; i++) job.out[i] = out[at++]!;
      job.stored += p.to - p.from;
      if (job.stored === job.rows.length && !job.settled) {
        job.settled = true;
        job.resolve(job.out);
      }
    }
  }

  #fail(job: Job<Row, Out>, err: unknown): void {
    if (job.settled) return;
    job.settled = true;
    job.reject(err);
  }
}

function rowsOf<Row, Out>(parts: Part<Row, Out>[]): Row[] {
  if (parts.length === 1) {
    const p = parts[0]!;
    return p.from === 0 && p.to === p.job.rows.length ? p.job.rows : p.job.rows.slice(p.from, p.to);
  }
  return parts.flatMap((p) => p.job.rows.slice(p.from, p.to));
}

/** The inbox's coalescer: sends into `NotificationStore.insertBatch`. */
export class SendCoalescer extends Coalescer<NewNotification, StoredOutcome> {
  constructor(options: { store: Pick<NotificationStore, "insertBatch">; maxRows?: number; maxInFlight?: number }) {
    super({ insert: (rows) => options.store.insertBatch(rows), maxRows: options.maxRows, maxInFlight: options.maxInFlight });
  }
}
