import type { Notification } from "../domain/notification.js";
import type { FanoutBus, Subscription, UserEvent } from "../domain/ports.js";
import { LocalListeners } from "./local-listeners.js";

/** Fan-out for a single node: events go straight to this process's listeners. */
export class InProcessBus implements FanoutBus {
  readonly #listeners = new LocalListeners();
  readonly #onError: (err: unknown) => void;

  constructor(options: { onListenerError?: (err: unknown) => void } = {}) {
    this.#onError = options.onListenerError ?? (() => {});
  }

  async publish(userId: string, event: UserEvent): Promise<void> {
    this.#listeners.deliver(userId, event, this.#onError);
  }

  async publishNotifications(list: Notification[]): Promise<Notification[]> {
    for (const n of list) this.#listeners.deliver(n.userId, { kind: "notification", notification: n }, this.#onError);
    return [];
  }

  subscribe(userId: string, listener: (event: UserEvent) => void): Subscription {
    this.#listeners.add(userId, listener);
    return { ready: Promise.resolve(), unsubscribe: () => void this.#listeners.remove(userId, listener) };
  }

  async remoteConnectionCount(): Promise<number> {
    return 0;
  }

  providePresence(): void {}

  onReconnect(): () => void {
    return () => {};
  }

  async close(): Promise<void> {}
}
