import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../src/config.js";

/** Asserts that `env` fails to load with a ConfigError whose message starts with `variable` (and matches `detail`). */
export function configFails(env: Record<string, string | undefined>, variable: string, detail?: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.ok(err.message.startsWith(`${variable}: `), `expected the message to name ${variable}: ${err.message}`);
      if (detail) assert.match(err.message, detail);
      return true;
    },
  );
}

/** The least a production config needs. */
export const PRODUCTION_ENV = {
  HERALD_ENV: "production",
  HERALD_API_KEYS: "prod-key-0123456789abcdef",
  HERALD_CURSOR_SECRET: "c".repeat(32),
  HERALD_JWT_SECRET: "j".repeat(32),
};
