/** A configuration error: which variable, and what is wrong with it. Thrown at start; the node does not run. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = "ConfigError";
  }
}

/** The environment as read: variable name to value. */
export type Env = Record<string, string | undefined>;

/** A string; unset or empty is `def`. */
export function str(env: Env, name: string, def: string): string {
  const v = env[name];
  return v === undefined || v === "" ? def : v;
}

/** A decimal integer within [min, max]; unset or empty is `def`. */
export function int(env: Env, name: string, def: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === "") return def;
  if (!/^-?\d+$/.test(v.trim())) throw new ConfigError(name, `expected an integer, got ${JSON.stringify(v)}`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** 1/true/yes/on or 0/false/no/off (any case); unset or empty is `def`. */
export function bool(env: Env, name: string, def: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === "") return def;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(v)}`);
}

/** A comma-separated list, items trimmed, empty items dropped. */
export function list(env: Env, name: string): string[] {
  return str(env, name, "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
