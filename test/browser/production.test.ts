import assert from "node:assert/strict";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, test } from "vitest";
import { launchChromium, newContext, PageLog, screenshot } from "../support/browser-chromium.js";
import { Embedder } from "../support/browser-embedder.js";
import { ensureWebBuilt, inboxRow, waitBadge, waitConnected } from "../support/browser-web.js";
import { PRODUCTION_ENV } from "../support/config-checks.js";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.js";
import { withDiagnostics } from "../support/diagnostics.js";
import { connectClient, outgoing } from "../support/grpc.js";
import { HeraldNode, nodeDiagnostics } from "../support/herald-node.js";
import { freePort } from "../support/net.js";
import { waitFor } from "../support/wait.js";
import { devToken } from "../support/ws-client.js";

/**
 * A production node: the page has no login, takes the token the embedding
 * app hands over in the URL fragment (and removes it from the address bar),
 * and works with it; embedded in the app's iframe it gets fresh tokens from
 * the app by postMessage and keeps its connection past the first token's
 * expiry; without a token it says there is no session.
 */
describe("web inbox in production", () => {
  let db: TestDatabase;
  let node: HeraldNode;
  let browser: Browser;
  let grpc: ReturnType<typeof connectClient>;
  const contexts: BrowserContext[] = [];
  const log = new PageLog();
  let baseUrl: string;
  let embedder: Embedder | undefined;

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createPostgresDatabase();
    const httpPort = await freePort();
    baseUrl = `http://127.0.0.1:${httpPort}/`;
    node = await HeraldNode.start({
      nodeId: "web-prod",
      databaseUrl: db.url!,
      natsUrl: "",
      httpPort,
      // No clock tolerance, so that a token is refused as soon as its exp passes.
      env: { ...PRODUCTION_ENV, HERALD_WS_ALLOWED_ORIGINS: `http://127.0.0.1:${httpPort}`, HERALD_JWT_CLOCK_TOLERANCE_SEC: "0" },
    });
    grpc = connectClient(node.grpcPort, PRODUCTION_ENV.HERALD_API_KEYS);
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    grpc?.client.close();
    await embedder?.stop();
    await node?.cleanup();
    await db?.drop();
  });

  test("the token handed over in the fragment signs the page in; it leaves the address bar; no login form", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      const token = await devToken("frank", 3600, PRODUCTION_ENV.HERALD_JWT_SECRET);
      const sent = await grpc.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["frank"], subject: "Invoice paid" })] });
      const context = await newContext(browser);
      contexts.push(context);
      const page = await context.newPage();
      log.watch(page, "frank");
      await page.goto(`${baseUrl}#token=${token}`);
      await waitConnected(page);
      await page.locator("#who").filter({ hasText: "Signed in as frank" }).waitFor();
      assert.equal(await page.evaluate(() => location.href), baseUrl, "the token is gone from the address bar");
      assert.equal(await page.locator("#login").isVisible(), false, "no login form in production");
      await inboxRow(page, sent.results[0]!.notificationId).waitFor();
      await waitBadge(page, 1);

      const [live] = (await grpc.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["frank"], subject: "Shipped" })] })).results;
      await inboxRow(page, live!.notificationId).waitFor();
      await waitBadge(page, 2);
      await screenshot(page, "production-inbox");
      assert.deepEqual(log.pageErrors, []);
    });
  });

  test("without a token the page says there is no session and connects nowhere", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      const context = await newContext(browser);
      contexts.push(context);
      const page = await context.newPage();
      log.watch(page, "anonymous");
      const sockets: string[] = [];
      page.on("websocket", (ws) => sockets.push(ws.url()));
      await page.goto(baseUrl);
      await page.getByRole("heading", { name: "No session" }).waitFor();
      assert.equal(await page.locator("#login").isVisible(), false);
      assert.equal(await page.locator("#app").isVisible(), false);
      assert.deepEqual(sockets, [], "no WebSocket was opened");
      assert.deepEqual(log.pageErrors, []);
    });
  });

  test("embedded in the app's iframe, the page refreshes its token through the app and stays connected past the first one's expiry", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      const mint = () => devToken("grace", 6, PRODUCTION_ENV.HERALD_JWT_SECRET);
      embedder = await Embedder.start(mint);
      const first = await mint();
      const firstExpiry = (JSON.parse(Buffer.from(first.split(".")[1]!, "base64url").toString()) as { exp: number }).exp * 1000;
      const context = await newContext(browser);
      contexts.push(context);
      const page = await context.newPage();
      log.watch(page, "grace-app");
      await page.goto(embedder.pageUrl(baseUrl, first));
      const inbox = page.frameLocator("#herald");
      await inbox.locator('#connection[data-state="connected"]').waitFor();
      const frame = page.frames().find((f) => f.url().startsWith(baseUrl));
      assert.ok(frame, "the Herald page is in the app's iframe");
      assert.equal(frame.url(), baseUrl, "the token is gone from the iframe's address");
      // Record every state the page shows from now on.
      await frame.evaluate(() => {
        const el = document.getElementById("connection")!;
        const states: string[] = [];
        Object.assign(window, { __states: states });
        new MutationObserver(() => states.push(el.dataset.state ?? "")).observe(el, { attributes: true, attributeFilter: ["data-state"] });
      });

      // The first token expires; by then the page has asked the app for new ones (at half their life).
      await waitFor(() => embedder!.tokensServed >= 2 && Date.now() > firstExpiry + 1000, {
        timeoutMs: 20_000,
        message: "the page asked the app for fresh tokens, and the first token expired",
      });
      const sent = await grpc.rpc.sendNotifications({
        notifications: [outgoing({ userIds: ["grace"], subject: "After the first token" })],
      });
      await inbox.locator(`#inbox-list > li[data-id="${sent.results[0]!.notificationId}"]`).waitFor();
      assert.deepEqual(await frame.evaluate(() => (window as unknown as { __states: string[] }).__states), [], "never left Connected");
      await screenshot(page, "production-embedded");
      assert.deepEqual(log.pageErrors, []);
    });
  });
});
