import WebSocket from "ws";
import { closeAction } from "../../src/transport/session/close-codes.js";
import type { DeliveryChecker } from "./delivery-checker.js";
import { waitFor } from "./wait.js";
import { devToken } from "./ws-client.js";

/**
 * A simulated device (`LogicalClient`) that reconnects across Herald nodes the
 * way a client behind a load balancer does, reporting what it receives to a
 * DeliveryChecker; and helpers to start, stop and flush many of them.
 */

/** How a LogicalClient picks where to (re)connect: the load balancer's pool. */
export type NodePool = () => readonly string[];

export interface LogicalClientOptions {
  userId: string;
  clientId: string;
  pool: NodePool;
  /** Index into the pool for the first connection (then round robin). */
  startAt?: number;
  checker?: DeliveryChecker;
  /** Backoff between failed attempts: initial, doubled up to max, with jitter (ms). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Only record application notifications (code > 0) in the checker (default true). */
  appOnly?: boolean;
  /** How far to move in the pool after a lost connection or a failed attempt (default 1). */
  reconnectStep?: number;
}

export interface CloseEvent {
  code: number;
  reason: string;
  url: string;
  at: number;
}

/**
 * One simulated device of a user: connects with `last_seq` = the highest seq
 * it has (0 at first: it wants the whole inbox), records every notification
 * in the checker, and on a reconnect-worthy close (3000-3499), an abnormal one
 * (1006: node died) or a failed connect, reconnects with backoff to the next
 * node of the pool, resuming from its last seq. A terminal close (3500-3999, 4500-4999)
 * ends it. `stop()` ends it on purpose.
 */
export class LogicalClient {
  readonly userId: string;
  readonly clientId: string;
  readonly #opts: LogicalClientOptions;
  #ws: WebSocket | undefined;
  #connSeq = 0;
  #poolIndex: number;
  #stopped = false;
  #lastSeq = 0;
  /** Connection currently authenticated (its id) or undefined. */
  connectionId: string | undefined;
  /** URL of the current (or last) connection. */
  url = "";
  readonly closes: CloseEvent[] = [];
  /** Milliseconds from each loss of a connection to the next authenticated one. */
  readonly reconnectMs: number[] = [];
  /** Failed connect attempts (refused, 503, error). */
  failedAttempts = 0;
  /** Terminal close that ended the client, if any. */
  terminal: CloseEvent | undefined;
  /** Every notification frame received (raw). */
  readonly received: Array<Record<string, any>> = [];
  /** System events received (raw). */
  readonly systemEvents: Array<Record<string, any>> = [];
  #lostAt: number | undefined;
  #nextReqId = 1;
  readonly #waiters = new Map<number, (f: Record<string, any>) => void>();
  #connected: Promise<void>;
  #resolveConnected!: () => void;

  constructor(options: LogicalClientOptions) {
    this.#opts = options;
    this.userId = options.userId;
    this.clientId = options.clientId;
    this.#poolIndex = options.startAt ?? 0;
    this.#connected = new Promise((r) => (this.#resolveConnected = r));
    options.checker?.client(this.clientId, this.userId);
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get open(): boolean {
    return this.connectionId !== undefined && this.#ws?.readyState === WebSocket.OPEN;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Connects (with retries) and resolves once the first session is authenticated. */
  async start(timeoutMs = 20_000): Promise<void> {
    this.#connect(0);
    await waitFor(() => this.connectionId !== undefined || this.terminal !== undefined, {
      timeoutMs,
      message: `client ${this.clientId} connected`,
    });
  }

  /** Resolves when authenticated on some node (now or after a reconnect). */
  whenConnected(): Promise<void> {
    return this.#connected;
  }

  #pickUrl(): string {
    const pool = this.#opts.pool();
    if (pool.length === 0) throw new Error("empty node pool");
    const url = pool[this.#poolIndex % pool.length]!;
    return url;
  }

  #connect(attempt: number): void {
    if (this.#stopped) return;
    const url = this.#pickUrl();
    const connId = `${this.clientId}#${++this.#connSeq}`;
    this.url = url;
    void devToken(this.userId).then((token) => {
      if (this.#stopped) return;
      const ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}&last_seq=${this.#lastSeq}`, { perMessageDeflate: false });
      this.#ws = ws;
      let authenticated = false;
      let failed = false;
      const fail = () => {
        if (failed || authenticated) return;
        failed = true;
        this.failedAttempts++;
        ws.terminate();
        this.#retry(attempt + 1);
      };
      ws.on("error", () => {
        if (!authenticated && ws.readyState !== WebSocket.OPEN) fail();
      });
      ws.on("unexpected-response", () => fail());
      ws.on("message", (data) => {
        let f: Record<string, any>;
        try {
          f = JSON.parse(data.toString());
        } catch {
          return;
        }
        if (f.authenticate) {
          authenticated = true;
          this.connectionId = connId;
          if (this.#lostAt !== undefined) {
            const ms = performance.now() - this.#lostAt;
            this.reconnectMs.push(ms);
            this.#opts.checker?.reconnected(this.clientId, ms);
            this.#lostAt = undefined;
          }
          this.#resolveConnected();
          return;
        }
        if (f.notification) {
          const n = f.notification as Record<string, any>;
          this.received.push(n);
          const seq = Number(n.seq ?? 0);
          if (n.persistent && seq > this.#lastSeq) this.#lastSeq = seq;
          if (this.#opts.checker && (!(this.#opts.appOnly ?? true) || Number(n.code ?? 0) > 0)) {
            this.#opts.checker.delivered({
              clientId: this.clientId,
              connectionId: connId,
              userId: String(n.userId ?? ""),
              id: String(n.id ?? ""),
              seq,
              ref: typeof n.content?.ref === "string" ? n.content.ref : undefined,
              persistent: n.persistent === true,
            });
          }
          return;
        }
        if (f.systemEvent) {
          this.systemEvents.push(f.systemEvent);
          return;
        }
        if (f.id) this.#waiters.get(f.id)?.(f);
      });
      ws.on("close", (code, reasonBuf) => {
        const reason = reasonBuf.toString();
        if (!authenticated) {
          // Closed before the session began: a refusal (terminal code) or a failed attempt.
          if (closeAction(code) === "stop") {
            this.#end({ code, reason, url, at: Date.now() });
            return;
          }
          fail();
          return;
        }
        const ev = { code, reason, url, at: Date.now() };
        this.closes.push(ev);
        if (this.connectionId === connId) this.connectionId = undefined;
        this.#connected = new Promise((r) => (this.#resolveConnected = r));
        for (const w of this.#waiters.values()) w({ error: { code: "closed" } });
        this.#waiters.clear();
        if (this.#stopped) return;
        if (closeAction(code) === "stop") {
          this.#end(ev);
          return;
        }
        // A reconnect code (3000-3499, 4000-4499), 1006 (node died), anything else: reconnect elsewhere.
        this.#lostAt = performance.now();
        this.#poolIndex += this.#opts.reconnectStep ?? 1;
        this.#connect(0);
      });
    });
  }

  #retry(attempt: number): void {
    if (this.#stopped) return;
    this.#poolIndex += this.#opts.reconnectStep ?? 1;
    const min = this.#opts.backoffMinMs ?? 50;
    const max = this.#opts.backoffMaxMs ?? 1000;
    const base = Math.min(max, min * 2 ** Math.min(attempt - 1, 10));
    const delay = base / 2 + Math.random() * (base / 2);
    setTimeout(() => this.#connect(attempt), delay).unref();
  }

  #end(ev: CloseEvent): void {
    this.terminal = ev;
    this.#stopped = true;
    this.connectionId = undefined;
  }

  /** Sends a request on the current connection and resolves with its reply (e.g. a ping, to flush what is in flight). */
  request(op: Record<string, unknown>, timeoutMs = 10_000): Promise<Record<string, any>> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error(`client ${this.clientId} is not connected`));
    const id = this.#nextReqId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id);
        reject(new Error(`client ${this.clientId}: no reply to request ${id}`));
      }, timeoutMs);
      this.#waiters.set(id, (f) => {
        clearTimeout(timer);
        this.#waiters.delete(id);
        resolve(f);
      });
      ws.send(JSON.stringify({ id, ...op }));
    });
  }

  /** Ends the client for good (no reconnect). */
  async stop(): Promise<void> {
    this.#stopped = true;
    const ws = this.#ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((r) => ws.once("close", () => r()));
    ws.terminate();
    await closed;
  }
}

/** Connects many logical clients, `parallel` at a time; resolves once all are in session. */
export async function startClients(clients: readonly LogicalClient[], parallel = 100, timeoutMs = 60_000): Promise<void> {
  for (let i = 0; i < clients.length; i += parallel) await Promise.all(clients.slice(i, i + parallel).map((c) => c.start(timeoutMs)));
}

/** Stops every client (no reconnect). */
export async function stopClients(clients: readonly LogicalClient[]): Promise<void> {
  await Promise.allSettled(clients.map((c) => c.stop()));
}

/**
 * Round trip on every connected client (a ping request): everything a node
 * pushed before its reply has been received and recorded once this resolves.
 */
export async function flushClients(clients: readonly LogicalClient[], timeoutMs = 30_000): Promise<void> {
  const live = clients.filter((c) => !c.stopped);
  await waitFor(() => live.every((c) => c.open), {
    timeoutMs,
    message: `every client in session (${live.filter((c) => !c.open).length} not)`,
  });
  await Promise.all(live.map((c) => c.request({ ping: {} })));
}
