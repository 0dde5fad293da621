import { HeraldError } from "./errors.js";
import type { BodyValue, OpCase, ServerBody } from "./protocol.js";

interface Pending {
  name: OpCase;
  resolve(value: unknown): void;
  reject(err: HeraldError): void;
  onReply?: (value: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Request ids are 1..2^31-1 (the protocol's range); the counter wraps. */
const MAX_ID = 2_147_483_647;

/**
 * The requests of one connection waiting for their replies, matched by id
 * (replies may come out of order), each with a deadline.
 */
export class PendingRequests {
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  /** A fresh id, not in flight. */
  nextId(): number {
    for (;;) {
      const id = this.#nextId;
      this.#nextId = id >= MAX_ID ? 1 : id + 1;
      if (!this.#pending.has(id)) return id;
    }
  }

  /**
   * Registers request `id`; the promise settles with its reply, its error, or
   * `deadline_exceeded` after `timeoutMs`. `onReply` runs synchronously when
   * the reply is read, before any frame after it (pushes that depend on it).
   */
  add<T>(id: number, name: OpCase, timeoutMs: number, onReply?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new HeraldError("deadline_exceeded", `no reply to ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { name, resolve: resolve as (v: unknown) => void, reject, onReply: onReply as (v: unknown) => void, timer });
    });
  }

  /** Settles request `id` with a reply body; false when no such request waits (late or unknown). */
  settle(id: number, body: ServerBody | undefined): boolean {
    const p = this.#pending.get(id);
    if (!p) return false;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (body?.$case === "error") {
      p.reject(HeraldError.fromWire(body.value as BodyValue<"error">));
      return true;
    }
    if (body && body.$case !== p.name) {
      p.reject(new HeraldError("internal", `a ${body.$case} reply to a ${p.name} request`));
      return true;
    }
    try {
      p.onReply?.(body?.value ?? {});
    } catch (err) {
      p.reject(err instanceof HeraldError ? err : new HeraldError("internal", String(err)));
      return true;
    }
    p.resolve(body?.value ?? {});
    return true;
  }

  /** Rejects every request in flight (the connection closed). */
  rejectAll(err: HeraldError): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  get size(): number {
    return this.#pending.size;
  }
}
