import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Repository root: children run from here so `--import tsx` and relative paths resolve. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const live = new Set<ChildProcess>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // Never leave servers or load generators behind, whatever way the scenario ends.
  process.on("exit", () => {
    for (const c of live) c.kill("SIGKILL");
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.once(sig, () => {
      for (const c of live) c.kill("SIGKILL");
      process.exit(130);
    });
}

export interface SpawnOptions {
  /** Label for logs and errors. */
  name: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Extra node flags, e.g. ["--max-old-space-size=4096"] or ["--cpu-prof"]. */
  nodeFlags?: string[];
  /** Echo the child's stderr (and non-JSON stdout) with a prefix. Default: BENCH_VERBOSE=1. */
  verbose?: boolean;
  /**
   * Run this executable with `args` instead of a TypeScript file through Node
   * (e.g. /usr/sbin/nats-server); `file` and `nodeFlags` are then ignored.
   */
  executable?: string;
  /**
   * Raise the open-files limit (soft and hard) to this before the program
   * starts: `bash -c 'ulimit -n N && exec ...'`, so the pid is still the
   * program's. Raising the hard limit needs root (or CAP_SYS_RESOURCE); the
   * kernel caps it at fs.nr_open.
   */
  ulimitNofile?: number;
}

type Waiter = { pred: (line: string) => boolean; resolve: (line: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

/** A child Node process running a TypeScript file through tsx (or a compiled `.js` file as is), read line by line. */
export class Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  readonly stderrTail: string[] = [];
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;
  #waiters: Waiter[] = [];

  constructor(file: string, options: SpawnOptions) {
    hookExit();
    this.name = options.name;
    const verbose = options.verbose ?? process.env.BENCH_VERBOSE === "1";
    let cmd = options.executable ?? process.execPath;
    const loader = file.endsWith(".ts") ? ["--import", "tsx"] : [];
    let argv = options.executable
      ? [...(options.args ?? [])]
      : [...(options.nodeFlags ?? []), ...loader, path.resolve(REPO_ROOT, file), ...(options.args ?? [])];
    if (options.ulimitNofile !== undefined) {
      argv = ["-c", `ulimit -n ${Math.floor(options.ulimitNofile)} && exec "$0" "$@"`, cmd, ...argv];
      cmd = "bash";
    }
    this.proc = spawn(cmd, argv, {
      cwd: REPO_ROOT,
      env: { ...process.env, BENCH_HARNESS: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    live.add(this.proc);
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      this.lines.push(line);
      if (this.lines.length > 10_000) this.lines.splice(0, 5_000);
      if (verbose && !line.startsWith("{")) process.stderr.write(`[${this.name}] ${line}\n`);
      for (const w of [...this.#waiters])
        if (w.pred(line)) {
          this.#drop(w);
          w.resolve(line);
        }
    });
    createInterface({ input: this.proc.stderr! }).on("line", (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 40) this.stderrTail.shift();
      if (verbose) process.stderr.write(`[${this.name}!] ${line}\n`);
    });
    this.exited = new Promise((resolve) =>
      this.proc.once("exit", (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        live.delete(this.proc);
        for (const w of [...this.#waiters]) {
          this.#drop(w);
          w.reject(new Error(`${this.name} exited (code ${code}, signal ${signal}) before the expected output${this.#tail()}`));
        }
        resolve();
      }),
    );
    this.proc.stdin!.on("error", () => {
      /* child gone */
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null;
  }

  #tail(): string {
    return this.stderrTail.length ? `\n  stderr: ${this.stderrTail.slice(-10).join("\n  ")}` : "";
  }

  #drop(w: Waiter): void {
    clearTimeout(w.timer);
    this.#waiters = this.#waiters.filter((x) => x !== w);
  }

  /** Resolves with the first line (already seen or future) that matches. */
  waitForLine(pred: (line: string) => boolean, timeoutMs: number, what = "expected output"): Promise<string> {
    const seen = this.lines.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    if (!this.running) return Promise.reject(new Error(`${this.name} is not running${this.#tail()}`));
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        pred,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#drop(w);
          reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms${this.#tail()}`));
        }, timeoutMs),
      };
      this.#waiters.push(w);
    });
  }

  /** Waits for a JSON line whose `type` field equals `type`, and parses it. */
  async waitForJson<T = Record<string, unknown>>(type: string, timeoutMs: number): Promise<T> {
    const line = await this.waitForLine(
      (l) => {
        if (!l.startsWith("{")) return false;
        try {
          return (JSON.parse(l) as { type?: unknown }).type === type;
        } catch {
          return false;
        }
      },
      timeoutMs,
      `"${type}" line`,
    );
    return JSON.parse(line) as T;
  }

  send(line: string): void {
    if (this.running) this.proc.stdin!.write(`${line}\n`);
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export function spawnTs(file: string, options: SpawnOptions): Child {
  return new Child(file, options);
}

/** A compiled JavaScript file (e.g. dist/src/cli.js) run by Node with no loader, as in production. */
export function spawnJs(file: string, options: SpawnOptions): Child {
  if (!file.endsWith(".js")) throw new Error(`spawnJs runs compiled .js files, not ${file}`);
  return new Child(file, options);
}

/** Any executable (not a TypeScript file), read line by line like spawnTs's children. */
export function spawnExe(executable: string, options: Omit<SpawnOptions, "executable" | "nodeFlags">): Child {
  return new Child(executable, { ...options, executable });
}

/** Resident set size of a process from /proc/PID/status (VmRSS), bytes; undefined when gone. */
export function vmRssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** MemAvailable of the box from /proc/meminfo, bytes (NaN elsewhere). */
export function memAvailableBytes(): number {
  try {
    const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** This process's open-files limits from /proc/self/limits (Infinity if unlimited, NaN elsewhere). */
export function nofileLimits(): { soft: number; hard: number } {
  try {
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    const n = (v: string | undefined) => (v === "unlimited" ? Number.POSITIVE_INFINITY : Number(v));
    return m ? { soft: n(m[1]), hard: n(m[2]) } : { soft: Number.NaN, hard: Number.NaN };
  } catch {
    return { soft: Number.NaN, hard: Number.NaN };
  }
}

/**
 * The open-files limit children can be given: `want` if a child may raise
 * itself to it (root with CAP_SYS_RESOURCE, up to fs.nr_open), else the hard
 * limit we have (raising the soft limit up to it is always allowed).
 */
export function usableNofile(want: number): number {
  if (spawnSync("bash", ["-c", `ulimit -n ${Math.floor(want)}`], { stdio: "ignore" }).status === 0) return Math.floor(want);
  const { hard } = nofileLimits();
  return Number.isFinite(hard) ? hard : 1_024;
}

/** The ready line every bench child prints once it is listening / connected. */
export function waitReady<T = Record<string, unknown>>(child: Child, timeoutMs = 60_000): Promise<T> {
  return child.waitForJson<T>("ready", timeoutMs);
}

export interface ProcUsage {
  /** user + system CPU time, ms. */
  cpuMs: number;
  rssBytes: number;
}

/** CPU time and RSS of any process, from /proc (Linux); undefined elsewhere or when it has gone. */
export function procUsage(pid: number): ProcUsage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state): utime is field 14, stime 15, rss (pages) 24.
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssPages = Number(fields[21]);
    return { cpuMs: (ticks * 1000) / 100, rssBytes: rssPages * 4096 };
  } catch {
    return undefined;
  }
}

/** Summed CPU time (ms) of the processes still there. */
export function cpuMsOf(pids: number[]): number {
  let ms = 0;
  for (const pid of pids) ms += procUsage(pid)?.cpuMs ?? 0;
  return ms;
}

/** CPU time per pid now, to subtract later (processes that exit in between count what they had). */
export function cpuSnapshot(pids: number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, procUsage(pid)?.cpuMs ?? 0]));
}

/** CPU used since a snapshot by the snapshot's processes (ms). */
export function cpuSince(snap: Map<number, number>): number {
  let ms = 0;
  for (const [pid, before] of snap) {
    const now = procUsage(pid)?.cpuMs;
    if (now !== undefined) ms += Math.max(0, now - before);
  }
  return ms;
}

/**
 * Involuntary context switches of a process's main thread so far
 * (/proc/PID/status nonvoluntary_ctxt_switches): how often it was preempted
 * while it still had work, i.e. crowded off the cores by other processes.
 */
export function preemptions(pid: number): number {
  try {
    const m = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (ms) of one thread of a process, by default its main thread (the
 * event loop of a Node process), from /proc/PID/task/TID/stat; undefined when gone.
 */
export function threadCpuMs(pid: number, tid = pid): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}
