import { parentPort, workerData } from "node:worker_threads";
import { connectClient, outgoing } from "./grpc.js";

/**
 * A backend sending large calls from a thread of its own, as a real one sends
 * from another machine: encoding its requests and decoding the answers must
 * not run on the event loop of the node under test. See startBulkSender.
 */
export interface BulkSenderJob {
  port: number;
  /** Concurrent senders, each making `callsEach` calls one after the other. */
  senders: number;
  callsEach: number;
  items: number;
  recipients: number;
  contentBytes: number;
  /** A warm-up call: recipients `warm-<n>` and subjects "warm-up ..." instead of `bulk-<n>` and "big ...". */
  warmUp?: boolean;
}

/** What one call stored: rows with a seq (persistent and stored). */
export type BulkSenderResult = { stored: number[] } | { error: string };

async function run(job: BulkSenderJob): Promise<number[]> {
  const { client, rpc } = connectClient(job.port);
  const content = { blob: "x".repeat(job.contentBytes - 12) };
  const userIds = Array.from({ length: job.recipients }, (_, r) => `${job.warmUp ? "warm-" : "bulk-"}${r}`);
  const subject = job.warmUp ? "warm-up" : "big";
  try {
    const perSender = await Promise.all(
      Array.from({ length: job.senders }, async (_, s) => {
        const stored: number[] = [];
        for (let k = 0; k < job.callsEach; k++) {
          const notifications = Array.from({ length: job.items }, (_, i) =>
            outgoing({ userIds, subject: `${subject} ${s}/${k}/${i}`, content }),
          );
          const res = await rpc.sendNotifications({ notifications }, { deadlineMs: 60_000 });
          stored.push(res.results.filter((r) => r.seq !== "0").length);
        }
        return stored;
      }),
    );
    return perSender.flat();
  } finally {
    client.close();
  }
}

if (parentPort) {
  run(workerData as BulkSenderJob).then(
    (stored) => parentPort!.postMessage({ stored } satisfies BulkSenderResult),
    (err: unknown) => parentPort!.postMessage({ error: String((err as Error)?.message ?? err) } satisfies BulkSenderResult),
  );
}
