/**
 * How long a typing indicator lasts without a refresh: a user who said
 * "typing" and then neither refreshed (sent `typing: true` again) nor stopped
 * within this time is shown as stopped. Clients refresh more often than this
 * (every 2-3 s while the user types). The timeout runs on each receiving node,
 * so an indicator ends even when the typist's connection or node died without
 * a word.
 */
export const TYPING_TIMEOUT_MS = 5000;

/**
 * Typing state of one room's users as this node sees it (the receiving side),
 * kept per user and connection: a user is typing while at least one of their
 * connections is. A start is forwarded only when the user goes from not
 * typing to typing (a refresh only re-arms that connection's timeout), a stop
 * only when their last typing connection stops or times out (a connection
 * that stops while another still types changes nothing). So subscribers see
 * each change once, and never "is typing" forever.
 */
export class TypingTracker {
  readonly #timeoutMs: number;
  readonly #emit: (userId: string, typing: boolean, exceptSessionId: string) => void;
  /** user -> their typing sessions, each with its timeout. */
  readonly #typists = new Map<string, Map<string, NodeJS.Timeout>>();

  /** `emit` tells the room's local subscribers (except the session `exceptSessionId`, whose change it was). */
  constructor(options: { emit: (userId: string, typing: boolean, exceptSessionId: string) => void; timeoutMs?: number }) {
    this.#emit = options.emit;
    this.#timeoutMs = options.timeoutMs ?? TYPING_TIMEOUT_MS;
  }

  /** A typing start, refresh or stop of one of `userId`'s sessions, from the room's topic. */
  typing(userId: string, typing: boolean, sessionId: string): void {
    const sessions = this.#typists.get(userId);
    if (!typing) return this.#stop(userId, sessionId);
    const timer = sessions?.get(sessionId);
    if (timer) {
      timer.refresh();
      return;
    }
    const t = setTimeout(() => this.#stop(userId, sessionId), this.#timeoutMs);
    t.unref();
    if (sessions) {
      sessions.set(sessionId, t);
      return;
    }
    this.#typists.set(userId, new Map([[sessionId, t]]));
    this.#emit(userId, true, sessionId);
  }

  /** Users shown as typing now. */
  get size(): number {
    return this.#typists.size;
  }

  /** Forgets every user without telling anyone (the room has no local subscriber left). */
  clear(): void {
    for (const sessions of this.#typists.values()) for (const t of sessions.values()) clearTimeout(t);
    this.#typists.clear();
  }

  /** One session stopped (or timed out); the user's last one tells the room. */
  #stop(userId: string, sessionId: string): void {
    const sessions = this.#typists.get(userId);
    const t = sessions?.get(sessionId);
    if (!sessions || !t) return;
    clearTimeout(t);
    sessions.delete(sessionId);
    if (sessions.size > 0) return;
    this.#typists.delete(userId);
    this.#emit(userId, false, sessionId);
  }
}
