import { nowMs, sleep } from "./clock.js";

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Calls send(k) for k = 0..count-1. rate > 0: on a fixed schedule of `rate`
 * calls per second (late calls are made at once, none are dropped); rate 0:
 * as fast as possible, yielding to I/O after every call so sockets drain.
 * At most `inFlight` calls are pending at once (for async senders, e.g. RPCs).
 */
export async function paced(
  count: number,
  rate: number,
  send: (k: number) => void | Promise<unknown>,
  inFlight = 1,
): Promise<{ startMs: number; endMs: number }> {
  const startMs = nowMs();
  const pending = new Set<Promise<unknown>>();
  let failure: unknown;
  for (let k = 0; k < count; k++) {
    if (failure !== undefined) break;
    if (rate > 0) {
      const due = startMs + (k * 1000) / rate;
      const wait = due - nowMs();
      if (wait >= 1) await sleep(wait);
    }
    const r = send(k);
    if (r instanceof Promise) {
      const p: Promise<unknown> = r.then(
        () => pending.delete(p),
        (err: unknown) => {
          failure ??= err;
          pending.delete(p);
        },
      );
      pending.add(p);
      while (pending.size >= inFlight) await Promise.race(pending);
    } else if (rate === 0) await immediate();
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  return { startMs, endMs: nowMs() };
}
