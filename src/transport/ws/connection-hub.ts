import { HeraldError } from "../../domain/errors.js";
import type { Broker, PresenceDirectory, Subscription, TopicEvent, UserEvent } from "../../domain/ports.js";
import { userTopic } from "../../domain/topic.js";
import type { Logger } from "../../logger.js";
import type { Session as Connection } from "../session/session.js";

interface UserEntry {
  conns: Set<Connection>;
  sub: Subscription;
}

/**
 * This node's authenticated connections by user. Subscribes to a user's topic
 * on the broker while it holds at least one of the user's connections and
 * unsubscribes after the last. Enforces the per-user cap (counting other
 * nodes' connections through the presence directory), and single-connection
 * mode through the topic's `opened` events so that it holds across nodes too.
 */
export class ConnectionHub {
  readonly #bus: Broker;
  readonly #presence: PresenceDirectory;
  readonly #log: Logger;
  readonly #nodeId: string;
  readonly #maxPerUser: number;
  readonly #single: boolean;
  readonly #users = new Map<string, UserEntry>();
  readonly #offReconnect: () => void;

  constructor(options: {
    bus: Broker;
    presence: PresenceDirectory;
    log: Logger;
    nodeId: string;
    maxConnectionsPerUser: number;
    singleConnection: boolean;
  }) {
    this.#bus = options.bus;
    this.#presence = options.presence;
    this.#log = options.log;
    this.#nodeId = options.nodeId;
    this.#maxPerUser = options.maxConnectionsPerUser;
    this.#single = options.singleConnection;
    this.#presence.provide((userId) => this.localCount(userId));
    // After a fan-out outage every connection re-reads what it may have missed.
    this.#offReconnect = this.#bus.onReconnect(() => {
      for (const e of this.#users.values()) for (const c of e.conns) c.resync();
    });
  }

  /**
   * Registers an authenticated connection; resolves once its user's
   * subscription is live. Over the cap (counting other nodes' connections,
   * best effort) it throws `resource_exhausted`.
   */
  async attach(conn: Connection): Promise<void> {
    const userId = conn.userId;
    const remote = this.#single ? 0 : await this.#presence.remoteConnectionCount(userId);
    let entry = this.#users.get(userId);
    if (!this.#single && (entry?.conns.size ?? 0) + remote >= this.#maxPerUser)
      throw new HeraldError("resource_exhausted", `at most ${this.#maxPerUser} connections per user`);
    if (!entry) {
      const conns = new Set<Connection>();
      const sub = this.#bus.subscribe(userTopic(userId), (event) => this.#onEvent(conns, event));
      entry = { conns, sub };
      this.#users.set(userId, entry);
    }
    entry.conns.add(conn);
    await entry.sub.ready;
    if (this.#single) {
      this.#bus
        .publish(userTopic(userId), { kind: "opened", sessionId: conn.sessionId, openedAtMs: conn.openedAtMs, originNode: this.#nodeId })
        .catch((err) => this.#log.warn({ err }, "could not announce a new connection to other nodes"));
    }
  }

  /** This node's connections of one user. */
  localCount(userId: string): number {
    return this.#users.get(userId)?.conns.size ?? 0;
  }

  detach(conn: Connection): void {
    const entry = this.#users.get(conn.userId);
    if (!entry?.conns.delete(conn)) return;
    if (entry.conns.size === 0) this.#drop(conn.userId, entry);
  }

  /** Every local connection (for heartbeats and shutdown). */
  *connections(): Iterable<Connection> {
    for (const e of this.#users.values()) yield* e.conns;
  }

  close(): void {
    this.#offReconnect();
    for (const [userId, e] of this.#users) this.#drop(userId, e);
  }

  #drop(userId: string, entry: UserEntry): void {
    entry.sub.unsubscribe();
    if (this.#users.get(userId) === entry) this.#users.delete(userId);
  }

  #onEvent(conns: Set<Connection>, event: TopicEvent): void {
    if (!isUserEvent(event)) return; // a room's kind: never published on a user's topic
    if (event.kind === "opened") {
      this.#onOpened(conns, event);
      return;
    }
    for (const c of conns) c.deliver(event);
  }

  /** A connection of this user opened somewhere; in single-connection mode every older one is replaced. */
  #onOpened(conns: Set<Connection>, ev: UserEvent & { kind: "opened" }): void {
    const isOlder = (c: Connection) =>
      c.sessionId !== ev.sessionId && (c.openedAtMs < ev.openedAtMs || (c.openedAtMs === ev.openedAtMs && c.sessionId < ev.sessionId));
    if (this.#single) {
      for (const c of [...conns])
        if (isOlder(c))
          c.deliver({ kind: "close", close: { kind: "session_replaced", reason: "", exceptSessionIds: [], sessionIds: [c.sessionId] } });
    }
  }
}

const USER_KINDS: ReadonlySet<string> = new Set<UserEvent["kind"]>(["notification", "system_event", "close", "opened", "room_activity"]);

function isUserEvent(event: TopicEvent): event is UserEvent {
  return USER_KINDS.has(event.kind);
}
