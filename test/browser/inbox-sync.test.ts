import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, test } from "vitest";
import { launchChromium, newContext, PageLog, screenshot } from "../support/browser-chromium.js";
import { ensureWebBuilt, inboxRow, inboxRows, openSignedIn, waitBadge, waitConnected, waitRowCount } from "../support/browser-web.js";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.js";
import { withDiagnostics } from "../support/diagnostics.js";
import { outgoing } from "../support/grpc.js";
import { HeraldNode, nodeDiagnostics } from "../support/herald-node.js";

/**
 * The web inbox in headless Chromium against a real Herald node (which serves
 * the page): one user in two browser contexts (two devices) sees sends live in
 * both, and reads, deletes and "mark all read" made in one show in the other,
 * all without a reload.
 */
describe("web inbox: one user on two devices", () => {
  let db: TestDatabase;
  let node: HeraldNode;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const log = new PageLog();
  let baseUrl: string;

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createPostgresDatabase();
    node = await HeraldNode.start({ nodeId: "web-inbox", databaseUrl: db.url!, natsUrl: "" });
    baseUrl = `http://127.0.0.1:${node.httpPort}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await node?.cleanup();
    await db?.drop();
  });

  async function device(userId: string, name: string, viewport?: { width: number; height: number }): Promise<Page> {
    const context = await newContext(browser, viewport);
    contexts.push(context);
    const page = await openSignedIn(context, baseUrl, userId, log, name);
    // Set once: still there later means the page never reloaded.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    return page;
  }

  const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);

  async function send(userId: string, subjects: string[]): Promise<string[]> {
    const res = await node.rpc.sendNotifications({
      notifications: subjects.map((subject, i) =>
        outgoing({ userIds: [userId], subject, content: { text: `body of ${subject}` }, code: 10 + i }),
      ),
    });
    return res.results.map((r) => r.notificationId);
  }

  test("a gRPC send shows in both devices; mark read, delete and mark all read in one show in the other", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      const phone = await device("alice", "alice-1");
      const laptop = await device("alice", "alice-2");
      for (const page of [phone, laptop]) {
        await page.locator("#inbox-empty").waitFor();
        await waitBadge(page, 0);
      }

      const [deployId, reviewId] = await send("alice", ["Deploy finished", "Review requested"]);
      for (const page of [phone, laptop]) {
        await inboxRow(page, reviewId!).waitFor();
        await inboxRow(page, deployId!).waitFor();
        await waitBadge(page, 2);
        const rows = await inboxRows(page);
        assert.deepEqual(
          rows.map((r) => [r.subject, r.unread]),
          [
            ["Review requested", true],
            ["Deploy finished", true],
          ],
          "newest first, both unread",
        );
      }
      await screenshot(laptop, "inbox-two-unread");

      // Read on the phone: the laptop's badge drops and the row turns read.
      await phone.getByRole("button", { name: "Mark read: Deploy finished" }).click();
      await waitBadge(laptop, 1);
      await laptop.locator(`#inbox-list > li[data-id="${deployId}"]:not(.unread)`).waitFor();
      assert.equal(await inboxRow(laptop, deployId!).locator(".state").textContent(), "Read");
      await waitBadge(phone, 1);

      // Delete on the laptop: the row goes from the phone too.
      await laptop.getByRole("button", { name: "Delete: Review requested" }).click();
      await inboxRow(phone, reviewId!).waitFor({ state: "detached" });
      await waitBadge(phone, 0);
      await waitBadge(laptop, 0);

      // Three more, then "Mark all read" on the phone.
      const more = await send("alice", ["One", "Two", "Three"]);
      for (const page of [phone, laptop]) {
        await waitBadge(page, 3);
        await waitRowCount(page, 4);
      }
      await phone.getByRole("button", { name: "Mark all read" }).click();
      await waitBadge(laptop, 0);
      await laptop.waitForFunction(() => document.querySelectorAll("#inbox-list > li.unread").length === 0);
      for (const page of [phone, laptop]) {
        const rows = await inboxRows(page);
        assert.deepEqual(
          rows.map((r) => r.id),
          [...[...more].reverse(), deployId],
          "each notification once, newest first",
        );
        assert.ok(rows.every((r) => !r.unread));
        assert.ok(await sameDocument(page), "the page was never reloaded");
      }
      assert.deepEqual(log.pageErrors, []);
    });
  });

  test("two tabs of one browser (one localStorage): a send shows once in each, a read in one shows in the other, a reload stays signed in", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      const context = await newContext(browser);
      contexts.push(context);
      const first = await openSignedIn(context, baseUrl, "hank", log, "hank-tab-1");
      const second = await openSignedIn(context, baseUrl, "hank", log, "hank-tab-2");
      const ids = await send("hank", ["Tab test 1", "Tab test 2"]);
      for (const page of [first, second]) {
        await waitRowCount(page, 2);
        await waitBadge(page, 2);
      }
      await second.getByRole("button", { name: "Mark read: Tab test 2" }).click();
      await waitBadge(first, 1);
      await first.locator(`#inbox-list > li[data-id="${ids[1]}"]:not(.unread)`).waitFor();

      // A reload keeps the tab signed in and shows the same inbox, each notification once.
      await first.reload();
      await waitConnected(first);
      await first.locator("#who").filter({ hasText: "Signed in as hank" }).waitFor();
      await waitBadge(first, 1);
      await waitRowCount(first, 2);
      const [live] = await send("hank", ["Tab test 3"]);
      for (const page of [first, second]) {
        await inboxRow(page, live!).waitFor();
        assert.deepEqual(
          (await inboxRows(page)).map((r) => [r.subject, r.unread]),
          [
            ["Tab test 3", true],
            ["Tab test 2", false],
            ["Tab test 1", true],
          ],
        );
        await waitBadge(page, 2);
      }
      assert.deepEqual(log.pageErrors, []);
    });
  });

  test("scrolling to the end of the list loads older pages, newest first, each notification once", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      const subjects = Array.from({ length: 45 }, (_, i) => `Build #${i + 1}`);
      const ids = await send("carol", subjects);
      const page = await device("carol", "carol");
      await waitBadge(page, 45);
      await waitRowCount(page, 20);
      assert.deepEqual((await inboxRows(page)).map((r) => r.subject)[0], "Build #45");

      const scroller = page.locator("#inbox-scroll");
      await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await waitRowCount(page, 40);
      await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await waitRowCount(page, 45);
      await page.locator("#load-older").waitFor({ state: "hidden" });

      const rows = await inboxRows(page);
      assert.deepEqual(
        rows.map((r) => r.id),
        [...ids].reverse(),
        "all 45, newest first, none twice",
      );
      const seqs = rows.map((r) => BigInt(r.seq));
      assert.ok(
        seqs.every((s, i) => i === 0 || s < seqs[i - 1]!),
        "seqs strictly decrease down the list",
      );
      assert.deepEqual(log.pageErrors, []);
    });
  });

  test("at phone width (375 px) the page fits, and it works from the keyboard", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      const [id] = await send("erin", ["Your parcel has shipped"]);
      const context = await newContext(browser, { width: 375, height: 740 });
      contexts.push(context);
      const page = await context.newPage();
      log.watch(page, "erin-phone");
      await page.goto(baseUrl);
      // Sign in with the keyboard only: the user id field has focus, Enter submits.
      await page.locator("#login-user").waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), "login-user", "the user id field is focused");
      await page.keyboard.type("erin");
      await page.keyboard.press("Enter");
      await page.locator('#connection[data-state="connected"]').waitFor();
      await inboxRow(page, id!).waitFor();
      await waitBadge(page, 1);

      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling at 375 px (overflow ${overflow} px)`);
      const unnamed = await page.evaluate(() => [
        ...[...document.querySelectorAll("input")]
          .filter((i) => i.labels?.length === 0 && !i.getAttribute("aria-label"))
          .map((i) => i.outerHTML),
        ...[...document.querySelectorAll("button")]
          .filter((b) => !(b.getAttribute("aria-label") || b.textContent?.trim()))
          .map((b) => b.outerHTML),
      ]);
      assert.deepEqual(unnamed, [], "every input has a label and every button a name");
      await screenshot(page, "inbox-phone-375");

      // Mark read from the keyboard: focus the button, Enter; focus stays in the row (on Delete).
      await inboxRow(page, id!)
        .getByRole("button", { name: /^Mark read/ })
        .focus();
      await page.keyboard.press("Enter");
      await waitBadge(page, 0);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Delete: Your parcel has shipped");
      // The bell takes the keyboard to the inbox.
      await page.locator("#bell").focus();
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "inbox-heading");
      assert.deepEqual(log.pageErrors, []);
    });
  });
});
