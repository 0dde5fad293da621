import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Scenario options: `--name value` / `--name=value` on the command line, else
 * the environment variable BENCH_NAME (dashes become underscores), else the default.
 */
export function opt(name: string, def: string): string {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1] ?? def;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return process.env[`BENCH_${name.replace(/-/g, "_").toUpperCase()}`] ?? def;
}

export function numOpt(name: string, def: number): number {
  const v = Number(opt(name, String(def)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
}

export function listOpt(name: string, def: string[]): string[] {
  return opt(name, def.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** True when the module is the process's entry point (so scenarios run alone or from run-all). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && fileURLToPath(metaUrl) === path.resolve(entry);
}

/** Runs a scenario when its file is the entry point: exit 0 when done, 1 with the stack on failure. */
export function runIfMain(metaUrl: string, run: () => Promise<unknown>): void {
  if (!isMain(metaUrl)) return;
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
