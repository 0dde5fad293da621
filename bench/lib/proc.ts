import { spawn, type ChildProcess } from "node:child_process";
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
}

type Waiter = { pred: (line: string) => boolean; resolve: (line: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

/** A child Node process running a TypeScript file through tsx, read line by line. */
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
    this.proc = spawn(process.execPath, [...(options.nodeFlags ?? []), "--import", "tsx", path.resolve(REPO_ROOT, file), ...(options.args ?? [])], {
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
    const line = await this.waitForLine((l) => {
      if (!l.startsWith("{")) return false;
      try {
        return (JSON.parse(l) as { type?: unknown }).type === type;
      } catch {
        return false;
      }
    }, timeoutMs, `"${type}" line`);
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
