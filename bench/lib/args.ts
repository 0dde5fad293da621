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
