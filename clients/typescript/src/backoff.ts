/**
 * Full-jitter exponential backoff: the delay before reconnect attempt
 * `attempt` (0 for the first retry) is uniform between `minMs` and
 * `min(maxMs, minMs * 2^attempt)`, so clients that lost the same node spread
 * out instead of returning together.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 31));
  return Math.round(minMs + random() * Math.max(0, ceiling - minMs));
}
