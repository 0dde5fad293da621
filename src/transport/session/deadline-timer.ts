/** The longest delay `setTimeout` takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fire` at `at` (a token's expiry), however far away: a delay beyond
 * what `setTimeout` takes is waited in steps. The timer does not keep the
 * process alive. Returns the function that cancels it.
 */
export function atDeadline(at: Date, fire: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    timer = setTimeout(() => (at.getTime() > Date.now() ? arm() : fire()), Math.max(0, Math.min(at.getTime() - Date.now(), MAX_TIMER_MS)));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
