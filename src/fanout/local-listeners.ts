import type { UserEvent } from "../domain/ports.js";

type Listener = (event: UserEvent) => void;

/** Per-user listener sets of one node; shared by both bus implementations. */
export class LocalListeners {
  readonly #byUser = new Map<string, Set<Listener>>();

  /** Returns true when this is the user's first listener on this node. */
  add(userId: string, listener: Listener): boolean {
    let set = this.#byUser.get(userId);
    const first = set === undefined;
    if (!set) this.#byUser.set(userId, (set = new Set()));
    set.add(listener);
    return first;
  }

  /** Returns true when that was the user's last listener on this node. */
  remove(userId: string, listener: Listener): boolean {
    const set = this.#byUser.get(userId);
    if (!set || !set.delete(listener)) return false;
    if (set.size > 0) return false;
    this.#byUser.delete(userId);
    return true;
  }

  /** Calls each listener; one throwing listener does not stop the others. */
  deliver(userId: string, event: UserEvent, onError: (err: unknown) => void): void {
    const set = this.#byUser.get(userId);
    if (!set) return;
    for (const l of set) {
      try {
        l(event);
      } catch (err) {
        onError(err);
      }
    }
  }

  users(): string[] {
    return [...this.#byUser.keys()];
  }
}
