import type { ServiceError } from "@grpc/grpc-js";
import type { DeliveryChecker } from "./delivery-checker.js";
import { outgoing, type Rpc, status } from "./grpc.js";
import type { HeraldNode } from "./herald-node.js";
import { waitFor } from "./wait.js";

/**
 * Sends whose outcome is recorded in a DeliveryChecker: one call
 * (`sendTracked`), or a stream of calls over the nodes of a cluster, with or
 * without idempotent retries (`SendStream`).
 */

export interface TrackedItem {
  userId: string;
  /** Unique per user; sent as content.ref, subject and idempotency key. */
  ref: string;
  persistent?: boolean;
}

export interface TrackedResult {
  ok: boolean;
  err?: ServiceError;
  ms: number;
}

/**
 * Sends one SendNotifications call (one notification per item, one recipient
 * each) and records every item's outcome in the checker: OK with its id and
 * seq; on failure `error` when the node said the database is unavailable
 * (nothing stored, by contract) and `unknown` otherwise (the call may or may
 * not have reached the node). Never throws.
 */
export async function sendTracked(
  checker: DeliveryChecker,
  rpc: Rpc,
  items: readonly TrackedItem[],
  deadlineMs = 20_000,
): Promise<TrackedResult> {
  const t0 = performance.now();
  const notifications = items.map((it) =>
    outgoing({
      userIds: [it.userId],
      code: 7,
      subject: it.ref,
      content: { ref: it.ref },
      persistent: it.persistent ?? true,
      idempotencyKey: (it.persistent ?? true) ? it.ref : "",
    }),
  );
  try {
    const res = await rpc.sendNotifications({ notifications }, { deadlineMs });
    res.results.forEach((r, i) => {
      const it = items[i]!;
      checker.send({
        ref: it.ref,
        userId: it.userId,
        persistent: it.persistent ?? true,
        outcome: "ok",
        id: r.notificationId,
        seq: Number(r.seq),
      });
    });
    return { ok: true, ms: performance.now() - t0 };
  } catch (e) {
    const err = e as ServiceError;
    const outcome = err.code === status.UNAVAILABLE && /database unavailable/.test(err.details ?? "") ? "error" : "unknown";
    for (const it of items) checker.send({ ref: it.ref, userId: it.userId, persistent: it.persistent ?? true, outcome });
    return { ok: false, err, ms: performance.now() - t0 };
  }
}

/**
 * A stream of persistent notifications for tests: round after round, one
 * notification per user per round (ref `<user>-<round>`), in calls of
 * `batchSize`, `concurrency` calls at a time, round-robin over the nodes,
 * until `stop()`, which finishes the round in progress, so that the stream
 * always ends with a full round. With `retry`, a failed call is sent again
 * (same idempotency keys) to the next node after a client backoff, until it
 * is answered OK; without, it is recorded and the stream moves on.
 */
export class SendStream {
  readonly #nodes: () => readonly HeraldNode[];
  readonly #checker: DeliveryChecker;
  readonly #users: readonly string[];
  readonly #batchSize: number;
  readonly #retry: boolean;
  #cursor = 0;
  #stopping = false;
  #workers: Promise<void>[] = [];
  /** Calls answered OK (retries included). */
  batchesOk = 0;
  /** Every failed call: node, gRPC code and details. */
  readonly failures: Array<{ nodeId: string; code: number | undefined; details: string; items: readonly TrackedItem[] }> = [];

  constructor(options: {
    nodes: () => readonly HeraldNode[];
    checker: DeliveryChecker;
    users: readonly string[];
    batchSize?: number;
    retry?: boolean;
  }) {
    this.#nodes = options.nodes;
    this.#checker = options.checker;
    this.#users = options.users;
    this.#batchSize = options.batchSize ?? 30;
    this.#retry = options.retry ?? false;
  }

  #nextBatch(): TrackedItem[] | undefined {
    const users = this.#users;
    const start = this.#cursor;
    const round = Math.floor(start / users.length);
    if (this.#stopping && start % users.length === 0) return undefined;
    const end = Math.min(start + this.#batchSize, (round + 1) * users.length);
    this.#cursor = end;
    const items: TrackedItem[] = [];
    for (let i = start; i < end; i++) {
      const u = users[i % users.length]!;
      items.push({ userId: u, ref: `${u}-${round}` });
    }
    return items;
  }

  start(concurrency = 3): void {
    this.#workers = Array.from({ length: concurrency }, async (_, w) => {
      let k = w;
      for (;;) {
        const items = this.#nextBatch();
        if (!items) return;
        for (let attempt = 0; ; attempt++) {
          const nodes = this.#nodes();
          const node = nodes[k++ % nodes.length]!;
          const res = await sendTracked(this.#checker, node.rpc, items);
          if (res.ok) {
            this.batchesOk++;
            break;
          }
          this.failures.push({ nodeId: node.nodeId, code: res.err?.code, details: res.err?.details ?? String(res.err), items });
          if (!this.#retry) break;
          await new Promise((r) => setTimeout(r, Math.min(500, 25 * 2 ** Math.min(attempt, 5))));
        }
      }
    });
  }

  /** Lets the stream run until `n` more calls have answered OK. */
  async runFor(n: number, timeoutMs = 30_000): Promise<void> {
    const target = this.batchesOk + n;
    await waitFor(() => this.batchesOk >= target, { timeoutMs, message: `${n} more calls answered OK (have ${this.batchesOk}/${target})` });
  }

  /** Ends the stream after the round in progress; resolves when every call has been answered. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#workers);
  }
}
