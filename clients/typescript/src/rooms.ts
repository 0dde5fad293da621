import type { OpCase, OpValue, ReplyValue, ServerBody } from "./protocol.js";
import { asHeraldError, type HeraldError } from "./errors.js";
import { type JoinOptions, type RoomSubscription, Subscription } from "./room-subscription.js";
import type { ResumeStore } from "./storage.js";

/** What a subscription needs from the client. */
export interface RoomHost {
  /** Sends a request once connected (waits while connecting), within the request timeout. */
  request<C extends OpCase>(name: C, value: OpValue<C>, onReply?: (r: ReplyValue<C>) => void): Promise<ReplyValue<C>>;
  connected(): boolean;
  store(): ResumeStore | null;
  bind(subscriptionId: string, sub: Subscription): void;
  unbind(subscriptionId: string): void;
  forget(sub: Subscription): void;
}

/** Errors of a rejoin that will not go away by trying again on this connection. */
const TRANSIENT = new Set(["unavailable", "deadline_exceeded", "resource_exhausted", "internal", "aborted"]);

/**
 * The client's room subscriptions: joins them, routes their pushes by
 * subscription id, and rejoins every active one after a reconnect, resuming
 * from its seq.
 */
export class Rooms {
  readonly #subs = new Set<Subscription>();
  readonly #byId = new Map<string, Subscription>();
  readonly #host: RoomHost;
  readonly #onError: (err: HeraldError) => void;

  constructor(base: Pick<RoomHost, "request" | "connected" | "store">, onError: (err: HeraldError) => void) {
    this.#onError = onError;
    this.#host = {
      ...base,
      bind: (id, sub) => this.#byId.set(id, sub),
      unbind: (id) => this.#byId.delete(id),
      forget: (sub) => {
        this.#subs.delete(sub);
        if (sub.id && this.#byId.get(sub.id) === sub) this.#byId.delete(sub.id);
      },
    };
  }

  async join(roomId: string, options: JoinOptions = {}): Promise<RoomSubscription> {
    const sub = new Subscription(this.#host, roomId, options);
    this.#subs.add(sub);
    try {
      await sub.subscribe();
    } catch (err) {
      this.#host.forget(sub);
      throw err;
    }
    // Events that came with the join are delivered on the next task, once the caller has attached listeners.
    setTimeout(() => sub.release(), 0);
    return sub;
  }

  /** A room push; false when it is not one. */
  onPush(body: ServerBody): boolean {
    switch (body.$case) {
      case "roomEvent":
        this.#byId.get(body.value.subscriptionId)?.onRoomEvent(body.value);
        return true;
      case "typingEvent":
        this.#byId.get(body.value.subscriptionId)?.onTyping(body.value.userId, body.value.typing);
        return true;
      case "presenceEvent":
        this.#byId.get(body.value.subscriptionId)?.onPresence(body.value);
        return true;
      case "unsubscribed": {
        const sub = this.#byId.get(body.value.subscriptionId);
        if (!sub) return true;
        this.#byId.delete(body.value.subscriptionId);
        if (sub.onUnsubscribed(body.value) === "rejoin-now") this.#rejoin(sub, 0);
        return true;
      }
      default:
        return false;
    }
  }

  /** A new connection is authenticated: rejoin every active subscription from its seq. */
  onConnected(): void {
    for (const sub of this.#subs) this.#rejoin(sub, 0);
  }

  /** The connection is gone: subscription ids are no longer routed until the rejoin. */
  onDisconnected(): void {
    this.#byId.clear();
  }

  #rejoin(sub: Subscription, attempt: number): void {
    if (!sub.active || !this.#host.connected()) return;
    sub.subscribe().catch((err: unknown) => {
      const e = asHeraldError(err);
      if (!sub.active || !this.#host.connected()) return; // the next connection rejoins
      if (TRANSIENT.has(e.code) && attempt < 3) {
        setTimeout(() => this.#rejoin(sub, attempt + 1), 1000 * (attempt + 1));
        return;
      }
      this.#onError(e);
      sub.end(e.code);
    });
  }
}
