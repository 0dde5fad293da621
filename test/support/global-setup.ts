import { ensureBuilt } from "./build.js";

/** vitest's global setup: compiles `dist/` once, before any test file starts a node from it. */
export default function setup(): void {
  ensureBuilt();
}
