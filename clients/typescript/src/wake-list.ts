/** Callers waiting for a change (of the connection state), each with a deadline. */
export class WakeList {
  readonly #waiters: Array<() => void> = [];

  /** Resolves at the next `wakeAll()`, or after `ms` at the latest. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  wakeAll(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
