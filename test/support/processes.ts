import { spawn, type ChildProcess } from "node:child_process";

/** The environment without any Herald configuration of the caller's shell. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("HERALD_") || k === "DATABASE_URL" || k === "NATS_URL" || k.startsWith("npm_")) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr, line by line, as they arrive. */
  lines: string[];
  /** stdout lines that parsed as JSON (pino logs). */
  logs: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Kills the whole process group (spawned detached), if still alive. */
  killGroup(signal?: NodeJS.Signals): void;
}

/** Spawns a command in its own process group, collecting its output. */
export function spawnLogged(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string }): Spawned {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const lines: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const collect = (stream: NodeJS.ReadableStream, isStdout: boolean) => {
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (isStdout && line.startsWith("{")) {
          try {
            logs.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            /* not a log line */
          }
        }
      }
    });
  };
  collect(child.stdout!, true);
  collect(child.stderr!, false);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    lines,
    logs,
    exited,
    async waitForLog(msg, timeoutMs = 30_000) {
      // Fails at once when the process exits first, and reports its output as of the failure.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find((l) => (typeof msg === "string" ? l.msg === msg : msg.test(String(l.msg))));
        if (found) return found;
        if (done) throw new Error(`exited before logging ${msg}:\n${lines.join("\n")}`);
        if (Date.now() > deadline) throw new Error(`no log line ${msg} within ${timeoutMs} ms; output so far:\n${lines.join("\n")}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    killGroup(signal = "SIGKILL") {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
    },
  };
}

/** Runs a command to completion; returns its exit code and output. */
export function run(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
