import { CloseCode } from "../session/close-codes.js";

/** What the heartbeat needs of a connection. */
export interface HeartbeatTarget {
  /** Set when the peer answered the last ping; the heartbeat clears it before each ping. */
  alive: boolean;
  isClosed(): boolean;
  ping(): void;
  close(code: number, reason: string): void;
}

/** Pings per slice; the slices run with I/O in between. */
const SLICE = 200;

/**
 * Every `intervalMs`, pings each target; one that did not answer the last ping
 * is closed (3001) and cut 5 s later by its transport. The pings go out in
 * slices with I/O in between: one synchronous loop over 10,000 connections
 * stalled deliveries for ~0.25 s.
 */
export class Heartbeat {
  readonly #intervalMs: number;
  readonly #targets: () => Iterable<HeartbeatTarget>;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { intervalMs: number; targets: () => Iterable<HeartbeatTarget> }) {
    this.#intervalMs = options.intervalMs;
    this.#targets = options.targets;
  }

  start(): void {
    this.#timer = setInterval(() => this.#beat(), this.#intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #beat(): void {
    const targets = [...this.#targets()];
    let i = 0;
    const slice = () => {
      const end = Math.min(i + SLICE, targets.length);
      for (; i < end; i++) {
        const t = targets[i]!;
        if (t.isClosed()) continue;
        if (!t.alive) {
          t.close(CloseCode.heartbeatTimeout, "no pong to the last ping");
          continue;
        }
        t.alive = false;
        t.ping();
      }
      if (i < targets.length) setImmediate(slice);
    };
    slice();
  }
}
