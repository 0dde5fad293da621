import type { Logger } from "./logger.js";
import type { Broker } from "./ports.js";
import type { PresenceStore } from "./room-ports.js";
import { roomTopic } from "./topic.js";

/** Every this many beats (and at start), rows of nodes without any heartbeat are swept too (a full scan). */
const ORPHAN_EVERY = 30;

/**
 * Keeps room presence true when nodes die. Every node records a heartbeat
 * every `beatMs` and, on the same tick, forgets nodes whose heartbeat is older
 * than `staleMs`: their users leave (a `presence` leave on each room's topic,
 * sent by whichever node's sweep removed the rows, so once). A node killed
 * without a goodbye is forgotten within `staleMs + beatMs` (4 s by default).
 * At start a node first forgets its own rows (a restart under the same node
 * id must not inherit the dead process's presence); at stop it removes them.
 * Rows left by a node without a heartbeat row (a join that landed after its
 * last sweep at shutdown) are swept at start and every 30 beats. Nodes
 * compare heartbeats with their own clocks: keep them within ~1 s (NTP).
 */
export class PresenceKeeper {
  readonly #store: PresenceStore;
  readonly #broker: Broker;
  readonly #nodeId: string;
  readonly #log: Logger;
  readonly #beatMs: number;
  readonly #staleMs: number;
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;
  #running: Promise<void> = Promise.resolve();

  constructor(options: { store: PresenceStore; broker: Broker; nodeId: string; log: Logger; beatMs?: number; staleMs?: number }) {
    this.#store = options.store;
    this.#broker = options.broker;
    this.#nodeId = options.nodeId;
    this.#log = options.log;
    this.#beatMs = options.beatMs ?? 1000;
    this.#staleMs = options.staleMs ?? 3000;
  }

  /** Forgets this node's earlier rows, beats once, then starts the timer (which does not keep the process alive). */
  async start(): Promise<void> {
    await this.#sweep(this.#nodeId, true);
    await this.#store.beat(this.#nodeId, new Date());
    this.#timer = setInterval(() => {
      this.#running = this.#tick();
    }, this.#beatMs);
    this.#timer.unref();
  }

  /** Stops beating and removes this node's presence (its users leave). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    await this.#sweep(this.#nodeId);
  }

  async #tick(): Promise<void> {
    try {
      await this.#store.beat(this.#nodeId, new Date());
      await this.#sweep(undefined, ++this.#ticks % ORPHAN_EVERY === 0);
    } catch (err) {
      this.#log.warn({ err }, "presence heartbeat failed");
    }
  }

  async #sweep(alsoNode?: string, orphans = false): Promise<void> {
    try {
      const left = await this.#store.sweep(new Date(Date.now() - this.#staleMs), alsoNode, orphans);
      for (const l of left) {
        await this.#broker
          .publish(roomTopic(l.roomId), {
            kind: "presence",
            roomId: l.roomId,
            userId: l.userId,
            joined: false,
            userCount: l.userCount,
            volatile: null,
          })
          .catch((err) => this.#log.warn({ err, roomId: l.roomId }, "presence leave publish failed"));
      }
    } catch (err) {
      this.#log.warn({ err }, "presence sweep failed");
    }
  }
}
