/**
 * The benchmark clock: milliseconds (fractional, microsecond resolution) of
 * CLOCK_MONOTONIC, which on Linux is one clock for every process on the box.
 * Senders stamp `t` with it and receivers in other processes subtract it, so
 * send->receive latency needs no clock sync as long as everything runs on one
 * machine (which the benchmarks require: all traffic stays on 127.0.0.0/8).
 * `Date.now()` is ms-truncated and `performance.timeOrigin` is off between
 * processes by up to ~1 ms, which is too coarse for sub-ms percentiles.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
