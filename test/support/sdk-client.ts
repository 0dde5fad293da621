import WebSocket from "ws";
import {
  type ConnectionState,
  Herald,
  type HeraldError,
  type HeraldOptions,
  type HeraldStorage,
  MemoryStorage,
  type Notification,
  type SystemEvent,
} from "../../clients/typescript/src/index.js";
import { waitFor } from "./wait.js";
import { devToken } from "./ws-client.js";

/**
 * A Herald SDK client as a Node app uses it (`ws` injected as its WebSocket),
 * with everything it emits recorded for the tests' assertions.
 */
export class SdkClient {
  readonly herald: Herald;
  readonly notifications: Notification[] = [];
  readonly states: ConnectionState[] = [];
  /** The close codes of the state changes a close caused, in order. */
  readonly closeCodes: number[] = [];
  readonly errors: HeraldError[] = [];
  readonly system: SystemEvent[] = [];
  readonly unread: number[] = [];
  /** How many times a WebSocket was opened (connect attempts). */
  sockets = 0;
  /** When each WebSocket was created (performance.now()). */
  readonly openedAt: number[] = [];
  /** Tokens handed out by getToken. */
  tokens = 0;

  constructor(url: string, userId: string, options: Partial<HeraldOptions> & { ttlSec?: number } = {}) {
    const { ttlSec = 3600, ...rest } = options;
    const counting = this;
    class CountingWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        counting.sockets++;
        counting.openedAt.push(performance.now());
      }
    }
    this.herald = new Herald({
      url,
      WebSocket: CountingWebSocket,
      getToken: async () => {
        this.tokens++;
        return devToken(userId, ttlSec);
      },
      storage: new MemoryStorage(),
      minReconnectDelayMs: 50,
      maxReconnectDelayMs: 400,
      ...rest,
    });
    this.herald.on("notification", (n) => this.notifications.push(n));
    this.herald.on("state", (e) => {
      this.states.push(e.current);
      if (e.closeCode !== undefined) this.closeCodes.push(e.closeCode);
    });
    this.herald.on("error", (e) => this.errors.push(e));
    this.herald.on("system", (e) => this.system.push(e));
    this.herald.on("unread", (n) => this.unread.push(n));
  }

  /** Connects and waits until authenticated. */
  async connect(timeoutMs = 10_000): Promise<this> {
    this.herald.connect();
    await this.waitState("connected", timeoutMs);
    return this;
  }

  async waitState(state: ConnectionState, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.herald.state === state, {
      timeoutMs,
      message: `state ${state} (now ${this.herald.state}; went ${this.states.join(" > ")})`,
    });
  }

  /** Waits until at least `n` notifications were delivered. */
  async waitNotifications(n: number, timeoutMs = 15_000): Promise<Notification[]> {
    await waitFor(() => this.notifications.length >= n, { timeoutMs, message: `${n} notifications (have ${this.notifications.length})` });
    return this.notifications;
  }

  seqs(): number[] {
    return this.notifications.map((n) => Number(n.seq));
  }

  disconnect(): void {
    this.herald.disconnect();
  }
}

/** `from..to` inclusive. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

export { MemoryStorage, type HeraldStorage };
