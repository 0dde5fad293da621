import { connect, ErrorCode, Events, type NatsConnection, NatsError, RequestStrategy, type Subscription as NatsSubscription } from "nats";
import type { NatsAuthConfig } from "../config.js";
import { HeraldError } from "../domain/errors.js";
import type { Notification } from "../domain/notification.js";
import type { FanoutBus, Subscription, UserEvent } from "../domain/ports.js";
import type { Logger } from "../logger.js";
import { decodeUserEvent, encodeUserEvent } from "./fanout-codec.js";
import { LocalListeners } from "./local-listeners.js";
import { hasCredentials, natsAuthOptions } from "./nats-auth.js";
import { Subjects } from "./subjects.js";

// Every other node answers a presence request at once: wait up to 100 ms for
// the first answer, then stop once 15 ms pass without another.
const PRESENCE_MAX_WAIT_MS = 100;
const PRESENCE_JITTER_MS = 15;

/**
 * Fan-out over NATS (a single server or a cluster). A node subscribes to a
 * user's subject while it holds at least one of the user's connections. It
 * delivers its own publishes locally and connects with `noEcho`, so it never
 * receives them back: no connection gets a message twice from its own node.
 *
 * Delivery between nodes is at most once: NATS core keeps nothing. Persistent
 * notifications are safe anyway: after a reconnect to NATS every connection
 * re-reads the store after the last seq it was sent (`onReconnect`), and a
 * seq that skips ahead makes the connection fetch the gap.
 */
export class NatsBus implements FanoutBus {
  readonly #nc: NatsConnection;
  readonly #nodeId: string;
  readonly #log: Logger;
  readonly #listeners = new LocalListeners();
  readonly #subs = new Map<string, NatsSubscription>();
  readonly #reconnectListeners = new Set<() => void>();
  #presence: (userId: string) => number = () => 0;

  private constructor(nc: NatsConnection, options: { nodeId: string; log: Logger }) {
    this.#nc = nc;
    this.#nodeId = options.nodeId;
    this.#log = options.log;
    void this.#watchStatus();
    this.#nc.subscribe(Subjects.presenceWildcard, {
      callback: (err, msg) => {
        if (err) return;
        const userId = Buffer.from(msg.subject.slice(Subjects.presenceWildcard.length - 1), "base64url").toString("utf8");
        msg.respond(new TextEncoder().encode(String(this.#presence(userId))));
      },
    });
  }

  /**
   * Connects to the servers (any of a cluster), authenticated as `auth` says;
   * keeps reconnecting forever after that. Fails within about 5 s per server
   * (refused credentials at once) with an Error that names the cause and never
   * quotes a secret. `servers` carry no credentials (config takes them out).
   */
  static async connect(options: { servers: string[]; auth: NatsAuthConfig; nodeId: string; log: Logger }): Promise<NatsBus> {
    const auth = natsAuthOptions(options.auth);
    if (!hasCredentials(auth))
      options.log.warn("NATS without credentials: whoever can publish on Herald's subjects can forge notifications (see the README's trust boundary)");
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.servers,
        name: `herald-${options.nodeId}`,
        noEcho: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 5000,
        maxPingOut: 2,
        timeout: 5000,
        ...auth,
      });
    } catch (err) {
      throw connectError(err, options.servers);
    }
    return new NatsBus(nc, options);
  }

  async publish(userId: string, event: UserEvent): Promise<void> {
    this.#listeners.deliver(userId, event, (err) => this.#log.error({ err }, "listener failed"));
    if (this.#nc.isClosed()) throw new HeraldError("unavailable", "fan-out connection closed");
    try {
      this.#nc.publish(Subjects.user(userId), encodeUserEvent(this.#nodeId, userId, event));
    } catch (err) {
      throw new HeraldError("unavailable", "fan-out publish failed", { cause: err });
    }
  }

  async publishNotifications(list: Notification[]): Promise<Notification[]> {
    const failed: Notification[] = [];
    for (const n of list) {
      try {
        await this.publish(n.userId, { kind: "notification", notification: n });
      } catch {
        failed.push(n);
      }
    }
    return failed;
  }

  subscribe(userId: string, listener: (event: UserEvent) => void): Subscription {
    const first = this.#listeners.add(userId, listener);
    if (first) {
      const sub = this.#nc.subscribe(Subjects.user(userId), {
        callback: (err, msg) => {
          if (err) return this.#log.warn({ err }, "subscription error");
          let decoded: ReturnType<typeof decodeUserEvent>;
          try {
            decoded = decodeUserEvent(msg.data);
          } catch (e) {
            return this.#log.warn({ err: e }, "undecodable fan-out message dropped");
          }
          if (decoded) this.#listeners.deliver(decoded.userId, decoded.event, (e) => this.#log.error({ err: e }, "listener failed"));
        },
      });
      this.#subs.set(userId, sub);
    }
    // The flush round trip guarantees the server has the SUB before anything published after it.
    const ready = this.#nc.isClosed() ? Promise.resolve() : this.#nc.flush().catch(() => undefined);
    return {
      ready,
      unsubscribe: () => {
        if (this.#listeners.remove(userId, listener)) {
          this.#subs.get(userId)?.unsubscribe();
          this.#subs.delete(userId);
        }
      },
    };
  }

  async remoteConnectionCount(userId: string): Promise<number> {
    try {
      const replies = await this.#nc.requestMany(Subjects.presence(userId), new Uint8Array(), {
        strategy: RequestStrategy.JitterTimer,
        maxWait: PRESENCE_MAX_WAIT_MS,
        jitter: PRESENCE_JITTER_MS,
      });
      let n = 0;
      for await (const m of replies) {
        const v = Number(new TextDecoder().decode(m.data));
        if (Number.isInteger(v) && v > 0) n += v;
      }
      return n;
    } catch (err) {
      this.#log.debug({ err }, "presence request failed; counting local connections only");
      return 0;
    }
  }

  providePresence(count: (userId: string) => number): void {
    this.#presence = count;
  }

  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#nc.isClosed()) return;
    try {
      await this.#nc.drain();
    } catch {
      await this.#nc.close();
    }
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (s.type === Events.Disconnect) this.#log.warn({ server: s.data }, "NATS disconnected");
      if (s.type === Events.Error) this.#log.error({ err: s.data }, "NATS error");
      if (s.type === Events.Reconnect) {
        this.#log.info({ server: s.data }, "NATS reconnected; connections re-sync from the store");
        for (const l of this.#reconnectListeners) l();
      }
    }
  }
}

/** A connect failure as an operator reads it: which servers, and whether the credentials were refused. */
function connectError(err: unknown, servers: string[]): Error {
  const where = servers.join(",");
  if (err instanceof NatsError && (err.code === ErrorCode.AuthorizationViolation || err.code === ErrorCode.AuthenticationExpired || err.code === ErrorCode.BadCreds))
    return new Error(`NATS at ${where} refused this node's credentials (${err.message}): check NATS_URL and the HERALD_NATS_* variables`, { cause: err });
  if (err instanceof NatsError && err.code === ErrorCode.ServerOptionNotAvailable && /tls/i.test(err.message))
    return new Error(`NATS at ${where} does not offer TLS, which a tls:// URL or HERALD_NATS_TLS_* asks for`, { cause: err });
  return new Error(`cannot connect to NATS at ${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
