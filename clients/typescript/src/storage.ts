/**
 * Where the SDK keeps its resume points (the inbox's last seq and each room
 * subscription's), under keys per user id: `localStorage` in browsers, memory
 * elsewhere, or anything with the same three methods.
 */
export interface HeraldStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A HeraldStorage in memory (the default where there is no `localStorage`). */
export class MemoryStorage implements HeraldStorage {
  readonly #items = new Map<string, string>();

  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }

  removeItem(key: string): void {
    this.#items.delete(key);
  }

  /** The keys held (for tests and debugging). */
  keys(): string[] {
    return [...this.#items.keys()];
  }
}

/** `globalThis.localStorage` when it exists and works (not in private modes that throw), else a MemoryStorage. */
export function defaultStorage(): HeraldStorage {
  try {
    const ls = (globalThis as { localStorage?: HeraldStorage }).localStorage;
    if (ls) {
      const probe = "herald:probe";
      ls.setItem(probe, "1");
      ls.removeItem(probe);
      return ls;
    }
  } catch {
    // localStorage disabled: fall back to memory
  }
  return new MemoryStorage();
}

/**
 * The resume points of one user in a HeraldStorage. Seqs only move forward
 * (several clients, e.g. browser tabs, may share the storage: the newest seq
 * any of them delivered wins), except through `reset` when the server's
 * store turns out to be behind (a database that was reset).
 */
export class ResumeStore {
  readonly #storage: HeraldStorage;
  readonly #prefix: string;

  constructor(storage: HeraldStorage, keyPrefix: string, userId: string) {
    this.#storage = storage;
    this.#prefix = `${keyPrefix}:${userId}`;
  }

  /** The inbox's saved last seq, or null when there is none. */
  inboxSeq(): number | null {
    return this.#read("inbox");
  }

  saveInboxSeq(seq: number): void {
    this.#advance("inbox", seq);
  }

  /** The saved seq of a room subscription (`key` names the room and its filter), or null. */
  roomSeq(key: string): number | null {
    return this.#read(`room:${key}`);
  }

  saveRoomSeq(key: string, seq: number): void {
    this.#advance(`room:${key}`, seq);
  }

  /** Sets a seq even if lower than the saved one. */
  reset(what: "inbox" | { room: string }, seq: number): void {
    this.#write(what === "inbox" ? "inbox" : `room:${what.room}`, seq);
  }

  #read(name: string): number | null {
    try {
      const v = this.#storage.getItem(`${this.#prefix}:${name}`);
      if (v === null) return null;
      const n = Number(v);
      return Number.isSafeInteger(n) && n >= 0 ? n : null;
    } catch {
      return null;
    }
  }

  #advance(name: string, seq: number): void {
    const saved = this.#read(name);
    if (saved === null || seq > saved) this.#write(name, seq);
  }

  #write(name: string, seq: number): void {
    try {
      this.#storage.setItem(`${this.#prefix}:${name}`, String(seq));
    } catch {
      // a full or disabled storage: resume points stay in memory for this page
    }
  }
}
