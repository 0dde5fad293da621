/**
 * How long a typing indicator lasts without a refresh: a user who said
 * "typing" and then neither refreshed (sent `typing: true` again) nor stopped
 * within this time is shown as stopped. Clients refresh more often than this
 * (every 2-3 s while the user types). The timeout runs on each receiving node,
 * so an indicator ends even when the typist's connection or node died without
 * a word.
 */
export const TYPING_TIMEOUT_MS = 5000;

interface Typist {
  timer: NodeJS.Timeout;
  /** The session that started it (not told of it, nor of its end). */
  exceptSessionId: string;
}

/**
 * Typing state of one room's users as this node sees it (the receiving side):
 * forwards a start only when a user goes from not typing to typing (a refresh
 * only re-arms the timeout), a stop only when the user was typing, and emits a
 * stop by itself when a start was neither refreshed nor stopped within
 * `timeoutMs`. So subscribers see each change once, and never "is typing"
 * forever.
 */
export class TypingTracker {
  readonly #timeoutMs: number;
  readonly #emit: (userId: string, typing: boolean, exceptSessionId: string) => void;
  readonly #typists = new Map<string, Typist>();

  /** `emit` tells the room's local subscribers (except the session `exceptSessionId`). */
  constructor(options: { emit: (userId: string, typing: boolean, exceptSessionId: string) => void; timeoutMs?: number }) {
    this.#emit = options.emit;
    this.#timeoutMs = options.timeoutMs ?? TYPING_TIMEOUT_MS;
  }

  /** A typing start, refresh or stop from the room's topic. */
  typing(userId: string, typing: boolean, exceptSessionId: string): void {
    const current = this.#typists.get(userId);
    if (!typing) {
      if (!current) return;
      clearTimeout(current.timer);
      this.#typists.delete(userId);
      this.#emit(userId, false, exceptSessionId);
      return;
    }
    if (current) {
      current.timer.refresh();
      current.exceptSessionId = exceptSessionId;
      return;
    }
    const timer = setTimeout(() => this.#timeout(userId), this.#timeoutMs);
    timer.unref();
    this.#typists.set(userId, { timer, exceptSessionId });
    this.#emit(userId, true, exceptSessionId);
  }

  /** Users shown as typing now. */
  get size(): number {
    return this.#typists.size;
  }

  /** Forgets every user without telling anyone (the room has no local subscriber left). */
  clear(): void {
    for (const t of this.#typists.values()) clearTimeout(t.timer);
    this.#typists.clear();
  }

  #timeout(userId: string): void {
    const t = this.#typists.get(userId);
    if (!t) return;
    this.#typists.delete(userId);
    this.#emit(userId, false, t.exceptSessionId);
  }
}
