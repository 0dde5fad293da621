import { readFileSync } from "node:fs";
import os from "node:os";
import { sleep } from "./clock.js";
import type { SystemResult } from "./results.js";

/**
 * Whole-box CPU accounting from /proc/stat, to tell a benchmark's own load from
 * other work on the machine (these boxes are shared and noisy). Linux only;
 * elsewhere every figure is NaN and the waits return at once.
 */
export function boxCpuMs(): { busyMs: number; totalMs: number; irqMs: number } {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ... Interrupt time is left out of "busy":
    // loopback traffic of the benchmark's own sockets is handled there and charged to no process.
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    return { busyMs: (user + nice + system + steal) * 10, totalMs: total * 10, irqMs: (irq + softirq) * 10 };
  } catch {
    return { busyMs: Number.NaN, totalMs: Number.NaN, irqMs: Number.NaN };
  }
}

/** Share of all cores busy over windowMs (0..1). */
export async function busyShare(windowMs = 1_000): Promise<number> {
  const a = boxCpuMs();
  await sleep(windowMs);
  const b = boxCpuMs();
  return (b.busyMs - a.busyMs) / (b.totalMs - a.totalMs);
}

/**
 * Waits until the box is quiet (busy share below maxBusy over a 1 s window),
 * at most maxWaitMs (BENCH_QUIET_WAIT_S, default 20 s). Returns the last share
 * seen, so a run started on a busy box says so in its results.
 */
export async function waitForQuiet(
  maxBusy = 0.15,
  maxWaitMs = Number(process.env.BENCH_QUIET_WAIT_S ?? 20) * 1000,
): Promise<{ busyShare: number; waitedMs: number }> {
  const t0 = Date.now();
  let share = await busyShare();
  while (!(share < maxBusy) && Date.now() - t0 < maxWaitMs) share = await busyShare();
  return { busyShare: share, waitedMs: Date.now() - t0 };
}

/** Measures the box's CPU over a run; `foreign` = busy time not accounted for by the given own CPU time. */
export class BoxMeter {
  readonly #start = boxCpuMs();
  readonly #t0 = Date.now();

  /**
   * ownCpuMs: CPU time of the benchmark's own processes over the same span.
   * irqShare: interrupt and softirq time (loopback packets are processed there), not in busyShare.
   */
  stop(ownCpuMs: number): { busyShare: number; foreignShare: number; irqShare: number } {
    const end = boxCpuMs();
    const total = end.totalMs - this.#start.totalMs;
    const busy = end.busyMs - this.#start.busyMs;
    const capacity = Math.max(total, (Date.now() - this.#t0) * os.cpus().length);
    return {
      busyShare: busy / capacity,
      foreignShare: Math.max(0, busy - ownCpuMs) / capacity,
      irqShare: (end.irqMs - this.#start.irqMs) / capacity,
    };
  }
}

/**
 * Runs one system's measurement on a quiet box: waits for quiet first, and runs
 * again (up to `retries` times) when other work took more than `maxForeign` of
 * the box's CPU during the run (the run reports it as details.foreignCpuShare);
 * keeps the least disturbed run. Notes a run that started on a busy box.
 */
export async function quietRun(
  run: () => Promise<SystemResult>,
  o: { maxForeign: number; retries: number; onRetry?: (foreign: number) => void },
): Promise<SystemResult> {
  const foreign = (r: SystemResult) => (r.details?.foreignCpuShare as number | undefined) ?? 0;
  let best: SystemResult | undefined;
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    const quiet = await waitForQuiet();
    const r = await run();
    r.details = { ...r.details, busyShareBeforeStart: quiet.busyShare, waitedForQuietMs: quiet.waitedMs, attempts: attempt + 1 };
    if (quiet.busyShare >= 0.15)
      r.note = [r.note, `box already ${Math.round(quiet.busyShare * 100)}% busy with other work at start: noisy`]
        .filter(Boolean)
        .join("; ");
    if (!best || (r.status === "ok" && (best.status !== "ok" || foreign(r) < foreign(best)))) best = r;
    if (r.status !== "ok" || foreign(r) <= o.maxForeign) break;
    if (attempt < o.retries) o.onRetry?.(foreign(r));
  }
  const r = best!;
  if (r.status === "ok" && foreign(r) > o.maxForeign)
    r.note = [r.note, `other work on the box took ${Math.round(foreign(r) * 100)}% of its CPU during the run: noisy`]
      .filter(Boolean)
      .join("; ");
  return r;
}
