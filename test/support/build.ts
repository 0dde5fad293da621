import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Tests and benchmarks run Herald nodes as production does, from the compiled
 * `dist/` (`node dist/src/cli.js`). `npm test` builds first, and vitest's global
 * setup (test/support/global-setup.ts) calls `ensureBuilt()` before any test
 * file, so `npx vitest run file` never starts yesterday's build; the benchmarks,
 * and whoever else spawns a node, call `ensureBuilt()` first too.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST_CLI = path.join(REPO_ROOT, "dist/src/cli.js");

const SOURCES = ["src", "gen"];
const LOCK = path.join(REPO_ROOT, "dist/.build-lock");
const LOCK_STALE_MS = 180_000;

/** The compiled file of a source file: src/a/b.ts -> dist/src/a/b.js. */
function outputOf(source: string): string {
  return path.join(REPO_ROOT, "dist", path.relative(REPO_ROOT, source)).replace(/\.ts$/, ".js");
}

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) yield p;
  }
}

/** The first source file whose compiled file is missing or older than it, if any. */
export function staleSource(): string | undefined {
  for (const dir of SOURCES)
    for (const source of tsFiles(path.join(REPO_ROOT, dir))) {
      const out = outputOf(source);
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(source).mtimeMs) return path.relative(REPO_ROOT, source);
    }
  return undefined;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** One builder at a time across processes (a directory is created atomically). */
function withLock<T>(fn: () => T): T {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > LOCK_STALE_MS || Date.now() > deadline) rmSync(LOCK, { recursive: true, force: true });
      else sleepSync(200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

let checked = false;

/**
 * Compiles `src/` and `gen/` into `dist/` (`tsc -p tsconfig.build.json`) when a
 * compiled file is missing or older than its source. Type errors do not stop
 * the build from emitting; they are printed and the run goes on (the
 * typecheck step reports them), so a test never runs code older than its source.
 */
export function ensureBuilt(): void {
  if (checked) return;
  if (staleSource() !== undefined) {
    withLock(() => {
      const stale = staleSource();
      if (stale === undefined) return; // another process built it
      process.stderr.write(`# building dist/ (${stale} changed)\n`);
      try {
        execFileSync(process.execPath, [path.join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
          cwd: REPO_ROOT,
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, NODE_OPTIONS: "" },
        });
      } catch (err) {
        const e = err as { status?: number; stdout?: Buffer };
        if (!existsSync(DIST_CLI)) throw new Error(`tsc failed (exit ${e.status}):\n${e.stdout?.toString() ?? ""}`, { cause: err });
        process.stderr.write(`# tsc reported errors (exit ${e.status}); running what it emitted:\n${e.stdout?.toString() ?? ""}\n`);
      }
    });
  }
  checked = true;
}

/**
 * A copy of the package as a production install has it (`npm ci --omit=dev`
 * after a build): package.json, bin/, dist/ and proto/ copied into `dir`, and a
 * node_modules/ holding links to the production dependencies only (no tsx, no
 * typescript). Code run from there that needs a devDependency fails to load.
 */
export function productionInstall(dir: string): string {
  ensureBuilt();
  for (const entry of ["package.json", "bin", "dist", "proto"])
    cpSync(path.join(REPO_ROOT, entry), path.join(dir, entry), { recursive: true, filter: (src) => !src.endsWith(".build-lock") });
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; link?: boolean }>;
  };
  for (const [key, meta] of Object.entries(lock.packages)) {
    // Top-level packages only: nested ones come with their parent's real path.
    if (!key.startsWith("node_modules/") || key.slice("node_modules/".length).includes("node_modules/") || meta.dev === true) continue;
    const from = path.join(REPO_ROOT, key);
    if (!existsSync(from)) continue; // an optional package for another platform
    mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    symlinkSync(from, path.join(dir, key));
  }
  return dir;
}
