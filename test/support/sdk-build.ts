import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./build.js";

/** The SDK package's directory. */
export const SDK_DIR = path.join(REPO_ROOT, "clients/typescript");
/** The browser bundle the build writes. */
export const SDK_BUNDLE = path.join(SDK_DIR, "dist/herald.js");

/** Builds @herald/client (`npm run build -w @herald/client`); returns what the build printed. */
export async function buildSdk(): Promise<string> {
  const { stdout } = await promisify(execFile)("npm", ["run", "build", "-w", "@herald/client"], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: "" },
    timeout: 120_000,
  });
  return stdout;
}

/** The sizes the build measured (dist/size.json). */
export function sdkSize(): { minifiedBytes: number; gzipBytes: number } {
  return JSON.parse(readFileSync(path.join(SDK_DIR, "dist/size.json"), "utf8")) as { minifiedBytes: number; gzipBytes: number };
}

/** The ```js code blocks of a Markdown text, in order. */
export function jsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** Runs an ES module given as text with `node` in the repository root (so that `@herald/client` and `ws` resolve). */
export async function runModule(code: string, timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", code], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_OPTIONS: "" },
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(err) };
  }
}
