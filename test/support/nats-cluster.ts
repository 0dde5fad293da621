import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { canConnect, freePorts } from "./net.js";
import { waitFor } from "./wait.js";

/**
 * A real NATS cluster for tests: `/usr/sbin/nats-server` child processes on
 * 127.0.0.1 only, each with a client port, a cluster (route) port and a
 * monitoring port, explicit routes to every other server, no JetStream.
 * Servers can be SIGKILLed, stopped and restarted on the same ports.
 */

export const NATS_SERVER_BIN = process.env.HERALD_TEST_NATS_SERVER || "/usr/sbin/nats-server";

// ------------------------------------------------------ child process registry

/** Every child started by the test support modules; SIGKILLed if the test process exits without cleaning up. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    const killAll = () => {
      for (const c of liveChildren) {
        try {
          c.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
    };
    process.once("exit", killAll);
    // Killed from outside (e.g. the test runner gives up): take the children along, then die of the same signal.
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(sig, () => {
        killAll();
        process.kill(process.pid, sig);
      });
    }
  }
}

/** Resolves with the exit code (or the signal name) once the child has exited. */
export function exitOf(child: ChildProcess): Promise<number | NodeJS.Signals> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
}

// ------------------------------------------------------------------- servers

/** A bounded in-memory log of a child's output, for diagnostics on failure. */
export class OutputLog {
  readonly #lines: string[] = [];
  readonly #max: number;
  #partial = "";
  /** Lines seen so far (including those rotated out). */
  total = 0;
  readonly #watchers = new Set<(line: string) => void>();

  constructor(max = 5000) {
    this.#max = max;
  }

  write(prefix: string, chunk: Buffer | string): void {
    const text = this.#partial + chunk.toString();
    const parts = text.split("\n");
    this.#partial = parts.pop() ?? "";
    for (const p of parts) this.push(`${prefix}${p}`);
  }

  push(line: string): void {
    this.#lines.push(line);
    this.total++;
    if (this.#lines.length > this.#max) this.#lines.splice(0, this.#lines.length - this.#max);
    for (const w of this.#watchers) w(line);
  }

  /** Calls `fn` on every line from now on; returns the unsubscribe function. */
  watch(fn: (line: string) => void): () => void {
    this.#watchers.add(fn);
    return () => this.#watchers.delete(fn);
  }

  lines(): readonly string[] {
    return this.#lines;
  }

  tail(n = 80): string {
    return this.#lines.slice(-n).join("\n");
  }
}

export interface NatsServerInfo {
  index: number;
  name: string;
  clientPort: number;
  clusterPort: number;
  monitorPort: number;
  url: string;
}

interface ServerState extends NatsServerInfo {
  child: ChildProcess | undefined;
  exited: Promise<number | NodeJS.Signals> | undefined;
  log: OutputLog;
  logFile: string;
}

async function getJson(port: number, p: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`GET ${p}: HTTP ${res.status}`);
  return res.json();
}

export class NatsCluster {
  readonly #servers: ServerState[];
  readonly #dir: string;
  #cleaned = false;

  private constructor(servers: ServerState[], dir: string) {
    this.#servers = servers;
    this.#dir = dir;
  }

  /**
   * Starts `size` servers (default 3) routed to each other and waits until the full mesh is formed.
   * `config` is nats-server configuration text (e.g. an `authorization` block) given to every server
   * with `-c`; `files` are written into the servers' directory first (`{{dir}}` in `config` is that directory).
   */
  static async start(
    options: { size?: number; clusterName?: string; config?: string; files?: Record<string, string> } = {},
  ): Promise<NatsCluster> {
    const size = options.size ?? 3;
    const dir = mkdtempSync(path.join(os.tmpdir(), "herald-nats-"));
    for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(path.join(dir, name), text);
    const configFile = options.config === undefined ? undefined : path.join(dir, "nats-server.conf");
    if (configFile) writeFileSync(configFile, options.config!.replaceAll("{{dir}}", dir));
    const servers: ServerState[] = [];
    for (let i = 0; i < size; i++) {
      const [clientPort, clusterPort, monitorPort] = await freePorts(3);
      servers.push({
        index: i,
        name: `nats-${i}`,
        clientPort: clientPort!,
        clusterPort: clusterPort!,
        monitorPort: monitorPort!,
        url: `nats://127.0.0.1:${clientPort}`,
        child: undefined,
        exited: undefined,
        log: new OutputLog(2000),
        logFile: path.join(dir, `nats-${i}.log`),
      });
    }
    const cluster = new NatsCluster(servers, dir);
    cluster.#clusterName = options.clusterName ?? "herald-test";
    cluster.#configFile = configFile;
    try {
      await cluster.startAll();
    } catch (err) {
      await cluster.cleanup();
      throw err;
    }
    return cluster;
  }

  #clusterName = "herald-test";
  #configFile: string | undefined;

  get size(): number {
    return this.#servers.length;
  }

  get servers(): readonly NatsServerInfo[] {
    return this.#servers.map(({ index, name, clientPort, clusterPort, monitorPort, url }) => ({
      index,
      name,
      clientPort,
      clusterPort,
      monitorPort,
      url,
    }));
  }

  /** Client URLs of every server, comma-separated: what NATS_URL takes. */
  get url(): string {
    return this.#servers.map((s) => s.url).join(",");
  }

  isRunning(i: number): boolean {
    const s = this.#server(i);
    return s.child !== undefined && s.child.exitCode === null && s.child.signalCode === null;
  }

  #server(i: number): ServerState {
    const s = this.#servers[i];
    if (!s) throw new Error(`no NATS server ${i}`);
    return s;
  }

  #spawn(s: ServerState): void {
    if (this.#cleaned) throw new Error("NATS cluster already cleaned up");
    const routes = this.#servers
      .filter((o) => o !== s)
      .map((o) => `nats://127.0.0.1:${o.clusterPort}`)
      .join(",");
    const args = [
      "-a",
      "127.0.0.1",
      "-p",
      String(s.clientPort),
      "-m",
      String(s.monitorPort),
      "-n",
      s.name,
      "--cluster",
      `nats://127.0.0.1:${s.clusterPort}`,
      "--cluster_name",
      this.#clusterName,
      "--routes",
      routes,
      ...(this.#configFile ? ["-c", this.#configFile] : []),
    ];
    const child = spawn(NATS_SERVER_BIN, args, { stdio: ["ignore", "pipe", "pipe"], cwd: this.#dir });
    trackChild(child);
    // nats-server logs to stderr; keep it in memory (diagnostics) and in the server's log file.
    const file = createWriteStream(s.logFile, { flags: "a" });
    file.on("error", () => {});
    child.stdout!.on("data", (d: Buffer) => {
      s.log.write(`[${s.name}] `, d);
      file.write(d);
    });
    child.stderr!.on("data", (d: Buffer) => {
      s.log.write(`[${s.name}] `, d);
      file.write(d);
    });
    child.once("exit", () => file.end());
    s.log.push(`[${s.name}] spawned pid ${child.pid}: ${NATS_SERVER_BIN} ${args.join(" ")}`);
    s.child = child;
    s.exited = exitOf(child).then((code) => {
      s.log.push(`[${s.name}] exited: ${code}`);
      return code;
    });
  }

  /** Starts server i (on its own ports) if it is not running; resolves once it accepts clients. */
  async startServer(i: number): Promise<void> {
    const s = this.#server(i);
    if (this.isRunning(i)) return;
    this.#spawn(s);
    await waitFor(
      async () => {
        if (!this.isRunning(i)) throw new Error(`${s.name} exited at start:\n${s.log.tail(20)}`);
        return (await canConnect("127.0.0.1", s.clientPort)) && (await getJson(s.monitorPort, "/healthz")).status === "ok";
      },
      { timeoutMs: 10_000, message: `${s.name} accepts clients` },
    );
  }

  /** Waits until every running server has a route to every other running server. */
  async waitForRoutes(timeoutMs = 15_000): Promise<void> {
    await waitFor(
      async () => {
        const running = this.#servers.filter((s) => this.isRunning(s.index));
        for (const s of running) {
          const r = await getJson(s.monitorPort, "/routez");
          const remotes = new Set<string>((r.routes ?? []).map((x: { remote_id: string }) => x.remote_id));
          if (remotes.size < running.length - 1) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 50, message: "NATS routes formed between every running server" },
    );
  }

  /** Starts every stopped server and waits for the full route mesh. */
  async startAll(): Promise<void> {
    await Promise.all(this.#servers.map((s) => this.startServer(s.index)));
    await this.waitForRoutes();
  }

  /** Sends `signal` (default SIGKILL) to server i and waits for it to exit. */
  async kill(i: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const s = this.#server(i);
    if (!s.child || !this.isRunning(i)) return;
    s.log.push(`[${s.name}] sending ${signal}`);
    s.child.kill(signal);
    await s.exited;
    s.child = undefined;
  }

  /** Stops server i gracefully (SIGTERM; SIGKILL after 5 s). */
  async stop(i: number): Promise<void> {
    const s = this.#server(i);
    if (!s.child || !this.isRunning(i)) return;
    const child = s.child;
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    try {
      await this.kill(i, "SIGTERM");
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops server i (if running) and starts it again on the same ports; waits for its routes. */
  async restart(i: number): Promise<void> {
    await this.stop(i);
    await this.startServer(i);
    await this.waitForRoutes();
  }

  async stopAll(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    await Promise.all(this.#servers.map((s) => (signal === "SIGKILL" ? this.kill(s.index) : this.stop(s.index))));
  }

  /** Client connections of server i (monitoring /connz), e.g. to see which Herald node uses which server and as whom. */
  async connections(
    i: number,
  ): Promise<Array<{ cid: number; name?: string; port: number; authorized_user?: string; account?: string; tls_version?: string }>> {
    const s = this.#server(i);
    const r = await getJson(s.monitorPort, "/connz?limit=1024&auth=true");
    return r.connections ?? [];
  }

  /** Names of the connected clients of every running server, by server index. */
  async clientNames(): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    for (const s of this.#servers) {
      if (!this.isRunning(s.index)) continue;
      out.set(
        s.index,
        (await this.connections(s.index)).map((c) => c.name ?? ""),
      );
    }
    return out;
  }

  /** The last lines of every server's output (and its log file), for failure reports. */
  diagnostics(lines = 40): string {
    return this.#servers.map((s) => `---- ${s.name} (${s.url}, log ${s.logFile})\n${s.log.tail(lines)}`).join("\n");
  }

  get logDir(): string {
    return this.#dir;
  }

  /** SIGKILLs every server and removes the temporary directory. Idempotent. */
  async cleanup(): Promise<void> {
    if (this.#cleaned) return;
    await Promise.all(this.#servers.map((s) => this.kill(s.index, "SIGKILL")));
    this.#cleaned = true;
    if (!process.env.HERALD_TEST_KEEP_LOGS) rmSync(this.#dir, { recursive: true, force: true });
  }
}
