import { connect, ErrorCode, Events, type NatsConnection, NatsError } from "nats";
import type { NatsAuthConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { hasCredentials, natsAuthOptions } from "./nats-auth.js";

/**
 * This node's one connection to NATS (a single server or a cluster), shared
 * by `NatsBroker` and `NatsPresence`. Connects with `noEcho`: the node never
 * receives its own publishes. Keeps reconnecting forever once connected, and
 * tells `onReconnect` listeners when the link is back.
 */
export class NatsLink {
  /** The nats.js connection; its subscriptions belong to whoever made them. */
  readonly connection: NatsConnection;
  readonly #log: Logger;
  readonly #reconnectListeners = new Set<() => void>();

  private constructor(nc: NatsConnection, log: Logger) {
    this.connection = nc;
    this.#log = log;
    void this.#watchStatus();
  }

  /**
   * Connects to the servers (any of a cluster), authenticated as `auth` says.
   * Fails within about 5 s per server (refused credentials at once) with an
   * Error that names the cause and never quotes a secret. `servers` carry no
   * credentials (config takes them out).
   */
  static async connect(options: { servers: string[]; auth: NatsAuthConfig; nodeId: string; log: Logger }): Promise<NatsLink> {
    const auth = natsAuthOptions(options.auth);
    if (!hasCredentials(auth))
      options.log.warn(
        "NATS without credentials: whoever can publish on Herald's subjects can forge notifications (see the README's trust boundary)",
      );
    try {
      const nc = await connect({
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
      return new NatsLink(nc, options.log);
    } catch (err) {
      throw connectError(err, options.servers);
    }
  }

  /** Called after the link to NATS is back from an outage; messages may have been missed meanwhile. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** Drains every subscription and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    try {
      await this.connection.drain();
    } catch {
      await this.connection.close();
    }
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.connection.status()) {
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
  if (
    err instanceof NatsError &&
    (err.code === ErrorCode.AuthorizationViolation || err.code === ErrorCode.AuthenticationExpired || err.code === ErrorCode.BadCreds)
  )
    return new Error(`NATS at ${where} refused this node's credentials (${err.message}): check NATS_URL and the HERALD_NATS_* variables`, {
      cause: err,
    });
  if (err instanceof NatsError && err.code === ErrorCode.ServerOptionNotAvailable && /tls/i.test(err.message))
    return new Error(`NATS at ${where} does not offer TLS, which a tls:// URL or HERALD_NATS_TLS_* asks for`, { cause: err });
  return new Error(`cannot connect to NATS at ${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
