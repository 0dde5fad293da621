#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` / `npm install` run through `prepare`).
import { existsSync } from "node:fs";

const cli = new URL("../dist/src/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("herald: dist/ is missing: run `npm run build` in the package directory first\n");
  process.exit(2);
}
await import(cli.href);
