/**
 * The least time between two typing starts (or refreshes) of one connection
 * in one room that are forwarded to the room.
 */
export const TYPING_MIN_INTERVAL_MS = 1000;

interface RoomTyping {
  typing: boolean;
  /** When the last forwarded start was (performance.now()). */
  startedAt: number;
}

/**
 * The sending side of typing, per connection: which `typing` requests are
 * forwarded to the room. A start or refresh is forwarded at most once per
 * `TYPING_MIN_INTERVAL_MS` per room; one that comes sooner is accepted (the
 * client gets its reply) and not forwarded: the receiving nodes keep the
 * indicator on for `TYPING_TIMEOUT_MS` after the last forwarded one, so a
 * client refreshing every second or two loses nothing (a start within a
 * second of a stop shows at the next refresh). A stop is forwarded
 * only after a forwarded start, so a connection sends a room at most two
 * typing events a second. The connection's state for a room is dropped when
 * it leaves the room (`release`), which says whether a stop is owed.
 */
export class TypingGate {
  readonly #rooms = new Map<string, RoomTyping>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Whether this request is forwarded to the room. */
  request(roomId: string, typing: boolean): boolean {
    const state = this.#rooms.get(roomId);
    const now = this.#now();
    if (!typing) {
      if (!state?.typing) return false;
      state.typing = false;
      return true;
    }
    if (state && now - state.startedAt < TYPING_MIN_INTERVAL_MS) return false;
    this.#rooms.set(roomId, { typing: true, startedAt: now });
    return true;
  }

  /** The connection left the room (or closed): true when it was typing there (a stop is owed). */
  release(roomId: string): boolean {
    const state = this.#rooms.get(roomId);
    this.#rooms.delete(roomId);
    return state?.typing === true;
  }
}
