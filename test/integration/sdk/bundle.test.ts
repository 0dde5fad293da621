import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, test } from "vitest";
import { REPO_ROOT } from "../../support/build.js";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { buildSdk, SDK_BUNDLE, SDK_DIR, sdkSize } from "../../support/sdk-build.js";
import { waitFor } from "../../support/wait.js";
import { devToken } from "../../support/ws-client.js";

/**
 * The package as shipped: `npm run build -w @herald/client` makes one ES
 * module for browsers (no Node built-ins) and its type declarations; the
 * README states its size; the built file works against a real node.
 */
describe("the @herald/client build", () => {
  let h: TestHeraldWithDatabase;
  let buildOutput: string;

  beforeAll(async () => {
    buildOutput = await buildSdk();
    h = await startTestHeraldOnNewDatabase(POSTGRES);
  });
  afterAll(async () => {
    await h?.stop();
  });

  test("dist/herald.js is one ES module without Node built-ins; the README states its size", () => {
    const code = readFileSync(SDK_BUNDLE, "utf8");
    assert.doesNotMatch(
      code,
      /["'`]node:|\brequire\(|from\s*["'`](fs|path|crypto|os|net|tls|http|https|zlib|stream|events|child_process)["'`]/,
    );
    assert.doesNotMatch(code, /^import\s/m, "no imports left: everything is bundled");
    assert.match(code, /export\s*\{/);
    const size = sdkSize();
    assert.match(buildOutput, /KiB minified/);
    const readme = readFileSync(path.join(SDK_DIR, "README.md"), "utf8");
    const stated = readme.match(/\*\*(\d+) KiB minified,\s+(\d+) KiB gzipped\*\*/);
    assert.ok(stated, "the README states the bundle's size");
    assert.ok(
      Math.abs(Number(stated[1]) - size.minifiedBytes / 1024) <= 3,
      `README says ${stated[1]} KiB minified, it is ${(size.minifiedBytes / 1024).toFixed(1)}`,
    );
    assert.ok(
      Math.abs(Number(stated[2]) - size.gzipBytes / 1024) <= 1.5,
      `README says ${stated[2]} KiB gzipped, it is ${(size.gzipBytes / 1024).toFixed(1)}`,
    );
  });

  test("the declarations type-check a consumer that imports @herald/client", async () => {
    assert.ok(existsSync(path.join(SDK_DIR, "dist/index.d.ts")));
    const consumer = path.join(SDK_DIR, "dist/consumer-check.ts");
    writeFileSync(
      consumer,
      [
        'import { Herald, MemoryStorage, type Notification, SystemCode } from "@herald/client";',
        'const h = new Herald({ url: "ws://x/ws", token: "t", storage: new MemoryStorage() });',
        'h.on("notification", (n: Notification) => n.seq.toUpperCase());',
        'h.on("system", (e) => e.code === SystemCode.SYSTEM_CODE_READ_ELSEWHERE);',
        "const count: number = h.unreadCount;",
        "void count;",
        "",
      ].join("\n"),
    );
    // A browser project: DOM types, no Node types; the package resolved through its "exports".
    const config = path.join(SDK_DIR, "dist/tsconfig.consumer.json");
    const compilerOptions = {
      noEmit: true,
      strict: true,
      module: "ESNext",
      moduleResolution: "Bundler",
      target: "ES2022",
      lib: ["ES2022", "DOM"],
      types: [],
      skipLibCheck: false,
    };
    writeFileSync(config, JSON.stringify({ compilerOptions, files: ["consumer-check.ts"] }));
    const tsc = path.join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    const args = [tsc, "-p", config];
    await promisify(execFile)(process.execPath, args, { cwd: SDK_DIR }).catch((err: { stdout?: string }) =>
      assert.fail(`tsc: ${err.stdout}`),
    );
  });

  test("the built module connects to a real node and delivers a notification", async () => {
    const sdk = (await import(pathToFileURL(SDK_BUNDLE).href)) as typeof import("../../../clients/typescript/src/index.js");
    const herald = new sdk.Herald({ url: h.wsUrl, getToken: () => devToken("zed"), WebSocket, storage: new sdk.MemoryStorage() });
    const subjects: string[] = [];
    herald.on("notification", (n) => subjects.push(n.subject));
    herald.connect();
    try {
      await waitFor(() => herald.state === "connected", { message: "connected" });
      await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["zed"], subject: "from the bundle" })] });
      await waitFor(() => subjects.length === 1, { message: "the notification" });
      assert.deepEqual(subjects, ["from the bundle"]);
      assert.equal(herald.unreadCount, 1);
    } finally {
      herald.disconnect();
    }
  });
});
