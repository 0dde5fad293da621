import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEV_API_KEY } from "../../src/config.js";
import { DIST_CLI, ensureBuilt } from "./build.js";
import type { Diagnosable } from "./diagnostics.js";
import { connectClient, type Rpc } from "./grpc.js";
import { exitOf, OutputLog, trackChild } from "./nats-cluster.js";
import { freePort } from "./net.js";

/**
 * Herald nodes as real child processes running the compiled code as production
 * does (`node dist/src/cli.js serve`, built first when stale), so that they can
 * be SIGKILLed and SIGTERMed like production nodes.
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
      if (v === undefined || (k.startsWith("HERALD_") && !k.startsWith("HERALD_TEST_")) || k === "DATABASE_URL" || k === "NATS_URL")
        continue;
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
    // The test runner's own loader flags must not leak into the child.
    delete env.NODE_OPTIONS;
    ensureBuilt();
    const child = spawn(process.execPath, [DIST_CLI, "serve"], {
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

/** Every node's ports, exits and last log lines, for `withDiagnostics`. */
export function nodeDiagnostics(nodes: readonly HeraldNode[], lines = 60): Diagnosable {
  return {
    diagnostics: (n = lines) =>
      nodes
        .map((h) => `---- node ${h.nodeId} (http ${h.httpPort}, grpc ${h.grpcPort}, exits ${JSON.stringify(h.exits)})\n${h.log.tail(n)}`)
        .join("\n"),
  };
}
