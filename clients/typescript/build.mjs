// Builds @herald/client: dist/herald.js (one ESM file for browsers, minified, with a source map),
// dist/index.d.ts (tsc declarations) and dist/size.json; fails if the bundle reaches for Node built-ins.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: [path.join(here, "src/index.ts")],
  outfile: path.join(dist, "herald.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
});

const code = readFileSync(path.join(dist, "herald.js"), "utf8");
const nodeOnly = code.match(/["'`]node:[a-z_/]+["'`]|\brequire\(/g);
if (nodeOnly) throw new Error(`dist/herald.js uses Node-only things: ${[...new Set(nodeOnly)].join(", ")}`);
const size = { minifiedBytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
writeFileSync(path.join(dist, "size.json"), `${JSON.stringify(size, null, 2)}\n`);

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", path.join(here, "tsconfig.json")], { stdio: "inherit" });
writeFileSync(path.join(dist, "index.d.ts"), 'export * from "./types/clients/typescript/src/index.js";\n');

console.log(`dist/herald.js: ${(size.minifiedBytes / 1024).toFixed(1)} KiB minified, ${(size.gzipBytes / 1024).toFixed(1)} KiB gzip`);
