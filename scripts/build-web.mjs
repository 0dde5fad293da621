#!/usr/bin/env node
// Builds the web inbox (web/) into dist/web/: index.html, app.js (one ES module,
// the app and the @herald/client SDK bundled with esbuild, minified, with a source
// map) and styles.css. Herald serves that directory at / on its HTTP port.
//
//   node scripts/build-web.mjs            build once
//   node scripts/build-web.mjs --watch    rebuild on every change (development)
//   node scripts/build-web.mjs --outdir D build into D instead of dist/web
//
// `@herald/client` is bundled from the SDK's TypeScript sources
// (clients/typescript/src/index.ts), so this build does not depend on the SDK's
// own build having run first, and the page always runs the SDK of the same checkout.
import { copyFile, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const watch = args.includes("--watch");
const outIndex = args.indexOf("--outdir");
const outdir = outIndex >= 0 && args[outIndex + 1] ? path.resolve(args[outIndex + 1]) : path.join(root, "dist/web");
const sdkEntry = path.join(root, "clients/typescript/src/index.ts");

/** Copies the static files (index.html) next to the bundle. */
const copyStatic = {
  name: "herald-static",
  setup(build) {
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      await copyFile(path.join(root, "web/index.html"), path.join(outdir, "index.html"));
    });
  },
};

const options = {
  absWorkingDir: root,
  entryPoints: { app: "web/src/main.ts", styles: "web/styles.css" },
  outdir,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  minify: !watch,
  sourcemap: "linked",
  legalComments: "none",
  alias: { "@herald/client": sdkEntry },
  logLevel: "warning",
  plugins: [copyStatic],
};

await mkdir(outdir, { recursive: true });
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  process.stdout.write(`build-web: watching web/ and the SDK, writing ${path.relative(root, outdir)}/\n`);
} else {
  await esbuild.build(options);
  const sizes = [];
  for (const name of ["index.html", "app.js", "styles.css"]) sizes.push(`${name} ${(await stat(path.join(outdir, name))).size} B`);
  process.stdout.write(`build-web: ${path.relative(root, outdir) || "."}/ ${sizes.join(", ")}\n`);
}
