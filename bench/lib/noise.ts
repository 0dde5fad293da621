import { readFileSync } from "node:fs";
import os from "node:os";
import { sleep } from "./clock.js";

/**
 * Whole-box CPU accounting from /proc/stat, to tell a benchmark's own load from
 * other work on the machine (these boxes are shared and noisy). Linux only;
 * elsewhere every figure is NaN and the waits return at once.
 */
export function boxCpuMs(): { busyMs: number; totalMs: number } {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ... Interrupt time is left out of "busy":
    // loopback traffic of the benchmark's own sockets is handled there and charged to no process.
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    return { busyMs: (user + nice + system + steal) * 10, totalMs: total * 10 };
  } catch {
    return { busyMs: Number.NaN, totalMs: Number.NaN };
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
export async function waitForQuiet(maxBusy = 0.15, maxWaitMs = Number(process.env.BENCH_QUIET_WAIT_S ?? 20) * 1000): Promise<{ busyShare: number; waitedMs: number }> {
  const t0 = Date.now();
  let share = await busyShare();
  while (!(share < maxBusy) && Date.now() - t0 < maxWaitMs) share = await busyShare();
  return { busyShare: share, waitedMs: Date.now() - t0 };
}

/** Measures the box's CPU over a run; `foreign` = busy time not accounted for by the given own CPU time. */
export class BoxMeter {
  readonly #start = boxCpuMs();
  readonly #t0 = Date.now();

  /** ownCpuMs: CPU time of the benchmark's own processes over the same span. */
  stop(ownCpuMs: number): { busyShare: number; foreignShare: number } {
    const end = boxCpuMs();
    const total = end.totalMs - this.#start.totalMs;
    const busy = end.busyMs - this.#start.busyMs;
    const capacity = Math.max(total, (Date.now() - this.#t0) * os.cpus().length);
    return { busyShare: busy / capacity, foreignShare: Math.max(0, busy - ownCpuMs) / capacity };
  }
}
