import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ServiceError } from "@grpc/grpc-js";
import WebSocket from "ws";
import { DEV_API_KEY } from "../../src/config.js";
import { migrateLatest } from "../../src/storage/database.js";
import { POSTGRES, type TestDatabase } from "./databases.js";
import type { DeliveryChecker } from "./delivery-checker.js";
import { connectClient, outgoing, type Rpc, status } from "./grpc.js";
import { exitOf, freePort, NatsCluster, OutputLog, trackChild } from "./nats-cluster.js";
import { waitFor } from "./wait.js";
import { devToken } from "./ws-client.js";

/**
 * Herald nodes as real child processes (`node --import tsx src/cli.ts serve`),
 * so that they can be SIGKILLed and SIGTERMed like production nodes; plus a
 * simulated device (`LogicalClient`) that reconnects across nodes the way a
 * client behind a load balancer does, reporting to a DeliveryChecker.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface HeraldNodeOptions {
  nodeId: string;
  /** DATABASE_URL (fixed for the life of the process). */
  databaseUrl: string;
  /** NATS_URL: comma-separated server URLs; empty for in-process fan-out. */
  natsUrl: string;
  /** Any other variable (overrides the defaults). */
  env?: Record<string, string>;
  /** Fixed ports (default: free ports picked once and kept across restarts). */
  httpPort?: number;
  grpcPort?: number;
  /** Milliseconds to wait for "herald started" (default 30 s). */
  readyTimeoutMs?: number;
}

export class HeraldNode {
  readonly nodeId: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly log: OutputLog;
  readonly #options: HeraldNodeOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<number | NodeJS.Signals> | undefined;
  #rpc: { client: { close(): void }; rpc: Rpc } | undefined;
  /** Every exit of this node's processes, in order (code or signal name). */
  readonly exits: Array<number | NodeJS.Signals> = [];

  private constructor(options: HeraldNodeOptions, httpPort: number, grpcPort: number) {
    this.#options = options;
    this.nodeId = options.nodeId;
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.log = new OutputLog(4000);
  }

  /** Spawns a node and resolves once it logged "herald started". */
  static async start(options: HeraldNodeOptions): Promise<HeraldNode> {
    const node = new HeraldNode(options, options.httpPort ?? (await freePort()), options.grpcPort ?? (await freePort()));
    await node.spawn();
    return node;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    const c = this.#child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  /** Resolves with the current process's exit code (or signal name) once it has exited. */
  get exited(): Promise<number | NodeJS.Signals> {
    if (!this.#exited) throw new Error(`node ${this.nodeId} was never started`);
    return this.#exited;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.httpPort}/ws`;
  }

  get grpcAddress(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  /** Promisified gRPC calls to this node (one channel, reused; recreated after a restart). */
  get rpc(): Rpc {
    this.#rpc ??= connectClient(this.grpcPort, DEV_API_KEY);
    return this.#rpc.rpc;
  }

  /** Starts the process (again, on the same ports) and waits until it is ready. */
  async spawn(): Promise<void> {
    if (this.running) throw new Error(`node ${this.nodeId} is already running`);
    this.#rpc?.client.close();
    this.#rpc = undefined;
    // The caller's own Herald configuration (e.g. HERALD_API_KEYS in the shell) must not leak into the node.
    const inherited: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined || (k.startsWith("HERALD_") && !k.startsWith("HERALD_TEST_")) || k === "DATABASE_URL" || k === "NATS_URL") continue;
      inherited[k] = v;
    }
    const env: Record<string, string> = {
      ...inherited,
      HERALD_NODE_ID: this.nodeId,
      HERALD_HOST: "127.0.0.1",
      HERALD_HTTP_PORT: String(this.httpPort),
      HERALD_GRPC_PORT: String(this.grpcPort),
      DATABASE_URL: this.#options.databaseUrl,
      NATS_URL: this.#options.natsUrl,
      HERALD_LOG_LEVEL: "info",
      HERALD_SHUTDOWN_GRACE_MS: "5000",
      ...this.#options.env,
    };
    // The test runner's own flags must not leak into the child.
    delete env.NODE_TEST_CONTEXT;
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    trackChild(child);
    this.#child = child;
    const tag = `[${this.nodeId}]`;
    this.log.push(`${tag} spawned pid ${child.pid} (http ${this.httpPort}, grpc ${this.grpcPort})`);
    child.stdout!.on("data", (d: Buffer) => this.log.write(`${tag} `, d));
    child.stderr!.on("data", (d: Buffer) => this.log.write(`${tag} stderr: `, d));
    this.#exited = exitOf(child).then((code) => {
      this.exits.push(code);
      this.log.push(`${tag} exited: ${code}`);
      return code;
    });
    // Ready on the "herald started" line; failed if the process exits first or the deadline passes.
    const timeoutMs = this.#options.readyTimeoutMs ?? 30_000;
    let off = () => {};
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        off = this.log.watch((line) => {
          if (line.includes('"msg":"herald started"')) resolve();
        });
        void this.#exited!.then((code) => reject(new Error(`node ${this.nodeId} exited (${code}) before it was ready`)));
        timer = setTimeout(() => reject(new Error(`node ${this.nodeId} did not log "herald started" within ${timeoutMs} ms`)), timeoutMs);
      });
    } catch (err) {
      const lines = this.log.lines();
      const text = lines.length > 50 ? `${lines.slice(0, 15).join("\n")}\n[...]\n${lines.slice(-35).join("\n")}` : lines.join("\n");
      if (this.running) child.kill("SIGKILL");
      throw new Error(`${(err as Error).message}\n${text}`, { cause: err });
    } finally {
      off();
      clearTimeout(timer);
    }
  }

  /** Sends a signal; does not wait. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) {
      this.log.push(`[${this.nodeId}] sending ${signal}`);
      this.#child!.kill(signal);
    }
  }

  /** SIGKILL: the node dies at once. Resolves once it has exited. */
  async kill(): Promise<number | NodeJS.Signals> {
    this.#rpc?.client.close();
    this.#rpc = undefined;
    if (!this.#exited) throw new Error(`node ${this.nodeId} was never started`);
    this.signal("SIGKILL");
    return this.#exited;
  }

  /** SIGTERM: graceful drain. Resolves with the exit code (SIGKILL after `timeoutMs`). */
  async sigterm(timeoutMs = 20_000): Promise<number | NodeJS.Signals> {
    if (!this.#exited) throw new Error(`node ${this.nodeId} was never started`);
    const exited = this.#exited;
    this.signal("SIGTERM");
    const timer = setTimeout(() => {
      this.log.push(`[${this.nodeId}] did not exit ${timeoutMs} ms after SIGTERM; killing`);
      this.signal("SIGKILL");
    }, timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
      this.#rpc?.client.close();
      this.#rpc = undefined;
    }
  }

  /** Log lines (JSON objects) whose msg matches. */
  logged(msg: string | RegExp): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.log.lines()) {
      const i = line.indexOf("{");
      if (i < 0) continue;
      try {
        const o = JSON.parse(line.slice(i)) as Record<string, unknown>;
        const m = String(o.msg ?? "");
        if (typeof msg === "string" ? m === msg : msg.test(m)) out.push(o);
      } catch {
        // not JSON
      }
    }
    return out;
  }

  /** SIGKILLs the process if running and closes the gRPC channel. Idempotent. */
  async cleanup(): Promise<void> {
    this.#rpc?.client.close();
    this.#rpc = undefined;
    if (this.running) {
      this.#child!.kill("SIGKILL");
      await this.#exited;
    }
  }
}

/** Starts several nodes in parallel; on any failure, kills the ones that started. */
export async function startNodes(optionsList: HeraldNodeOptions[]): Promise<HeraldNode[]> {
  const settled = await Promise.allSettled(optionsList.map((o) => HeraldNode.start(o)));
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) {
    const started = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const others = started.map((n) => `---- node ${n.nodeId} (started)\n${n.log.tail(30)}`).join("\n");
    await Promise.all(started.map((n) => n.cleanup()));
    const reason = (failed as PromiseRejectedResult).reason as Error;
    throw new Error(`${reason.message}${others ? `\n${others}` : ""}`, { cause: reason });
  }
  return settled.map((s) => (s as PromiseFulfilledResult<HeraldNode>).value);
}

/** Something with diagnostics to print when a test fails. */
export interface Diagnosable {
  diagnostics(lines?: number): string;
}

export function nodeDiagnostics(nodes: readonly HeraldNode[], lines = 60): Diagnosable {
  return {
    diagnostics: (n = lines) => nodes.map((h) => `---- node ${h.nodeId} (http ${h.httpPort}, grpc ${h.grpcPort}, exits ${JSON.stringify(h.exits)})\n${h.log.tail(n)}`).join("\n"),
  };
}

/** Runs a test body; if it throws, prints the tails of the given logs, then rethrows. */
export async function withDiagnostics<T>(sources: Array<Diagnosable | undefined>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    console.log(`\n======== diagnostics (test failed: ${(err as Error)?.message?.split("\n")[0]})`);
    for (const s of sources) if (s) console.log(s.diagnostics());
    console.log("======== end of diagnostics\n");
    throw err;
  }
}

// -------------------------------------------------------------- logical clients

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
 * node of the pool, resuming from its last seq. A terminal close (4000-4499)
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
          if (code >= 4000 && code < 4500) {
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
        if (code >= 4000 && code < 4500) {
          this.#end(ev);
          return;
        }
        // 3000-3499 (reconnect-worthy), 1006 (node died), anything else: reconnect elsewhere.
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

/** Percentile (0..100) of a list of numbers, nearest-rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

// ------------------------------------------------------------ whole clusters

export interface TestCluster {
  nats: NatsCluster;
  db: TestDatabase;
  nodes: HeraldNode[];
  /** What to print when a test fails: every node's and every NATS server's last lines. */
  diagnostics(lines?: number): string;
  /** Kills every node and NATS server and drops the database. Idempotent; never throws. */
  cleanup(): Promise<void>;
}

/**
 * A 3-server NATS cluster (or `nats` given), a fresh Postgres database (or
 * `db` given) and Herald nodes `nodeIds` (default a, b, c) started in parallel.
 * `databaseUrl` overrides the nodes' DATABASE_URL (e.g. a TcpProxy in front of
 * `db`). On failure, everything started so far is cleaned up.
 */
export async function startCluster(options: {
  nodeIds?: string[];
  env?: Record<string, string>;
  nats?: NatsCluster;
  db?: TestDatabase;
  databaseUrl?: string;
} = {}): Promise<TestCluster> {
  const ownNats = options.nats === undefined;
  const ownDb = options.db === undefined;
  let nats: NatsCluster | undefined = options.nats;
  let db: TestDatabase | undefined = options.db;
  let nodes: HeraldNode[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await Promise.allSettled(nodes.map((n) => n.cleanup()));
      if (ownNats) await nats?.cleanup().catch(() => undefined);
      if (ownDb) await db?.drop().catch(() => undefined);
    })());
  try {
    nats ??= await NatsCluster.start();
    db ??= await POSTGRES.create();
    // Migrate once before the nodes start. Nodes starting at once on a fresh database can race
    // in knex's migration-lock bootstrap (two lock rows, then "Migration table is already locked"
    // on every start): a src bug, reported, that cluster tests must not turn into flakiness.
    const knex = db.open();
    try {
      await migrateLatest(knex);
    } finally {
      await knex.destroy();
    }
    nodes = await startNodes(
      (options.nodeIds ?? ["a", "b", "c"]).map((nodeId) => ({
        nodeId,
        databaseUrl: options.databaseUrl ?? db!.url!,
        natsUrl: nats!.url,
        env: options.env,
      })),
    );
  } catch (err) {
    await cleanup();
    throw err;
  }
  const n = nats;
  return {
    nats: n,
    db,
    nodes,
    diagnostics: (lines = 60) => `${nodeDiagnostics(nodes, lines).diagnostics()}\n${n.diagnostics(Math.ceil(lines / 2))}`,
    cleanup,
  };
}

// ----------------------------------------------------------- tracked sends

export interface TrackedItem {
  userId: string;
  /** Unique per user; sent as content.ref, subject and idempotency key. */
  ref: string;
  persistent?: boolean;
}

export interface TrackedResult {
  ok: boolean;
  err?: ServiceError;
  ms: number;
}

/**
 * Sends one SendNotifications call (one notification per item, one recipient
 * each) and records every item's outcome in the checker: OK with its id and
 * seq; on failure `error` when the node said the database is unavailable
 * (nothing stored, by contract) and `unknown` otherwise (the call may or may
 * not have reached the node). Never throws.
 */
export async function sendTracked(checker: DeliveryChecker, rpc: Rpc, items: readonly TrackedItem[], deadlineMs = 20_000): Promise<TrackedResult> {
  const t0 = performance.now();
  const notifications = items.map((it) =>
    outgoing({
      userIds: [it.userId],
      code: 7,
      subject: it.ref,
      content: { ref: it.ref },
      persistent: it.persistent ?? true,
      idempotencyKey: (it.persistent ?? true) ? it.ref : "",
    }),
  );
  try {
    const res = await rpc.sendNotifications({ notifications }, { deadlineMs });
    res.results.forEach((r, i) => {
      const it = items[i]!;
      checker.send({ ref: it.ref, userId: it.userId, persistent: it.persistent ?? true, outcome: "ok", id: r.notificationId, seq: Number(r.seq) });
    });
    return { ok: true, ms: performance.now() - t0 };
  } catch (e) {
    const err = e as ServiceError;
    const outcome = err.code === status.UNAVAILABLE && /database unavailable/.test(err.details ?? "") ? "error" : "unknown";
    for (const it of items) checker.send({ ref: it.ref, userId: it.userId, persistent: it.persistent ?? true, outcome });
    return { ok: false, err, ms: performance.now() - t0 };
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
  await waitFor(() => live.every((c) => c.open), { timeoutMs, message: `every client in session (${live.filter((c) => !c.open).length} not)` });
  await Promise.all(live.map((c) => c.request({ ping: {} })));
}

/**
 * A stream of persistent notifications for tests: round after round, one
 * notification per user per round (ref `<user>-<round>`), in calls of
 * `batchSize`, `concurrency` calls at a time, round-robin over the nodes,
 * until `stop()`, which finishes the round in progress, so that the stream
 * always ends with a full round. With `retry`, a failed call is sent again
 * (same idempotency keys) to the next node after a client backoff, until it
 * is answered OK; without, it is recorded and the stream moves on.
 */
export class SendStream {
  readonly #nodes: () => readonly HeraldNode[];
  readonly #checker: DeliveryChecker;
  readonly #users: readonly string[];
  readonly #batchSize: number;
  readonly #retry: boolean;
  #cursor = 0;
  #stopping = false;
  #workers: Promise<void>[] = [];
  /** Calls answered OK (retries included). */
  batchesOk = 0;
  /** Every failed call: node, gRPC code and details. */
  readonly failures: Array<{ nodeId: string; code: number | undefined; details: string; items: readonly TrackedItem[] }> = [];

  constructor(options: { nodes: () => readonly HeraldNode[]; checker: DeliveryChecker; users: readonly string[]; batchSize?: number; retry?: boolean }) {
    this.#nodes = options.nodes;
    this.#checker = options.checker;
    this.#users = options.users;
    this.#batchSize = options.batchSize ?? 30;
    this.#retry = options.retry ?? false;
  }

  #nextBatch(): TrackedItem[] | undefined {
    const users = this.#users;
    const start = this.#cursor;
    const round = Math.floor(start / users.length);
    if (this.#stopping && start % users.length === 0) return undefined;
    const end = Math.min(start + this.#batchSize, (round + 1) * users.length);
    this.#cursor = end;
    const items: TrackedItem[] = [];
    for (let i = start; i < end; i++) {
      const u = users[i % users.length]!;
      items.push({ userId: u, ref: `${u}-${round}` });
    }
    return items;
  }

  start(concurrency = 3): void {
    this.#workers = Array.from({ length: concurrency }, async (_, w) => {
      let k = w;
      for (;;) {
        const items = this.#nextBatch();
        if (!items) return;
        for (let attempt = 0; ; attempt++) {
          const nodes = this.#nodes();
          const node = nodes[k++ % nodes.length]!;
          const res = await sendTracked(this.#checker, node.rpc, items);
          if (res.ok) {
            this.batchesOk++;
            break;
          }
          this.failures.push({ nodeId: node.nodeId, code: res.err?.code, details: res.err?.details ?? String(res.err), items });
          if (!this.#retry) break;
          await new Promise((r) => setTimeout(r, Math.min(500, 25 * 2 ** Math.min(attempt, 5))));
        }
      }
    });
  }

  /** Lets the stream run until `n` more calls have answered OK. */
  async runFor(n: number, timeoutMs = 30_000): Promise<void> {
    const target = this.batchesOk + n;
    await waitFor(() => this.batchesOk >= target, { timeoutMs, message: `${n} more calls answered OK (have ${this.batchesOk}/${target})` });
  }

  /** Ends the stream after the round in progress; resolves when every call has been answered. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#workers);
  }
}
