/**
 * The browser's `online` / `offline` events (when `globalThis.addEventListener`
 * exists): offline drops the socket at once instead of waiting for a timeout,
 * online retries at once instead of waiting for the backoff.
 */
export class NetworkWatch {
  readonly #handlers: { offline(): void; online(): void };
  #attached = false;
  readonly #offline = () => this.#handlers.offline();
  readonly #online = () => this.#handlers.online();

  constructor(handlers: { offline(): void; online(): void }) {
    this.#handlers = handlers;
  }

  start(): void {
    const g = globalThis as { addEventListener?: (type: string, fn: () => void) => void };
    if (this.#attached || typeof g.addEventListener !== "function") return;
    g.addEventListener("offline", this.#offline);
    g.addEventListener("online", this.#online);
    this.#attached = true;
  }

  stop(): void {
    const g = globalThis as { removeEventListener?: (type: string, fn: () => void) => void };
    if (!this.#attached) return;
    this.#attached = false;
    g.removeEventListener?.("offline", this.#offline);
    g.removeEventListener?.("online", this.#online);
  }
}
