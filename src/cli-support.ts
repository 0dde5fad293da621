import { Metadata } from "@grpc/grpc-js";
import type { Config } from "./config.js";

/** Prints `herald: msg` and exits 2 (a usage or configuration error). */
export function fail(msg: string): never {
  process.stderr.write(`herald: ${msg}\n`);
  process.exit(2);
}

/** The API key metadata: `--api-key`, or this config's first key. */
export function auth(config: Config, key: string | undefined): Metadata {
  const md = new Metadata();
  md.set("authorization", `Bearer ${key ?? config.apiKeys[0]}`);
  return md;
}

/** One unary call of a generated grpc-js client as a promise. */
export function call<Req, Res>(fn: (req: Req, md: Metadata, cb: (err: Error | null, res: Res) => void) => unknown, req: Req, md: Metadata) {
  return new Promise<Res>((resolve, reject) => fn(req, md, (err, res) => (err ? reject(err) : resolve(res))));
}

/** A JSON object option (`{}` when absent); exits 2 if it is not one. */
export function jsonObjectOption(name: string, value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  try {
    const v: unknown = JSON.parse(value);
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {}
  return fail(`--${name} must be a JSON object`);
}

/** What a client command gets from the command line. */
export interface Invocation {
  config: Config;
  values: Record<string, unknown>;
  positionals: string[];
  str(name: string): string | undefined;
  users: string[];
}
