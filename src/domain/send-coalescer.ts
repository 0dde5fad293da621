import type { NewNotification, NotificationStore, StoredOutcome } from "./ports.js";

interface Job {
  rows: NewNotification[];
  resolve: (out: StoredOutcome[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Coalesces concurrent sends into multi-row inserts: one transaction per batch,
 * not per row. A send that arrives while `maxInFlight` batches are running
 * waits and is merged with the others that arrived meanwhile, up to `maxRows`
 * rows per batch. An idle server stores the first send at once (no timer).
 * Every job of a failed batch fails with that batch's error: nothing is half-written.
 */
export class SendCoalescer {
  readonly #store: NotificationStore;
  readonly #maxRows: number;
  readonly #maxInFlight: number;
  readonly #queue: Job[] = [];
  #inFlight = 0;

  constructor(options: { store: NotificationStore; maxRows?: number; maxInFlight?: number }) {
    this.#store = options.store;
    this.#maxRows = options.maxRows ?? 5000;
    this.#maxInFlight = options.maxInFlight ?? 4;
  }

  /** Stores the rows (all or none); outcomes come back in input order. */
  store(rows: NewNotification[]): Promise<StoredOutcome[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ rows, resolve, reject });
      this.#pump();
    });
  }

  /** Batches currently being written. */
  get inFlight(): number {
    return this.#inFlight;
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const jobs: Job[] = [];
      let n = 0;
      while (this.#queue.length > 0 && (jobs.length === 0 || n + this.#queue[0]!.rows.length <= this.#maxRows)) {
        const job = this.#queue.shift()!;
        jobs.push(job);
        n += job.rows.length;
      }
      this.#inFlight++;
      void this.#run(jobs).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #run(jobs: Job[]): Promise<void> {
    const rows = jobs.length === 1 ? jobs[0]!.rows : jobs.flatMap((j) => j.rows);
    try {
      const out = await this.#store.insertBatch(rows);
      let at = 0;
      for (const job of jobs) {
        job.resolve(out.slice(at, at + job.rows.length));
        at += job.rows.length;
      }
    } catch (err) {
      for (const job of jobs) job.reject(err);
    }
  }
}
