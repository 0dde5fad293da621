/**
 * Polls `check` until it returns a value other than undefined/false, or fails
 * after `timeoutMs` with `message`. For waiting on a condition, never on time.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const interval = options.intervalMs ?? 25;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = options.message ?? "condition not met";
      throw new Error(`waitFor timed out after ${options.timeoutMs ?? 10_000} ms: ${why}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Measures how long `fn` takes to settle; returns its outcome and the time in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result?: T; error?: unknown }> {
  const t0 = performance.now();
  try {
    const result = await fn();
    return { ms: performance.now() - t0, result };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}
