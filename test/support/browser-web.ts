import { execFileSync } from "node:child_process";
import path from "node:path";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { REPO_ROOT } from "./build.js";
import type { PageLog } from "./browser-chromium.js";

/**
 * The web inbox as a user sees it in a browser: build it, open it, sign in,
 * and read what it shows. Every wait is on a DOM condition with a deadline.
 */

let built = false;

/** Builds web/ into dist/web/ (esbuild, about a second) once per test process, before a node serves it. */
export function ensureWebBuilt(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts/build-web.mjs")], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  built = true;
}

/** How long a test waits for something a user would see (a push, a reconnect). */
export const SEEN_WITHIN_MS = 15_000;

/** Opens the page at `baseUrl` in `context`, signs in as `userId` with the development form and waits until connected. */
export async function openSignedIn(context: BrowserContext, baseUrl: string, userId: string, log: PageLog, name = userId): Promise<Page> {
  const page = await context.newPage();
  log.watch(page, name);
  await page.goto(baseUrl);
  await page.getByLabel("User id").fill(userId);
  await page.getByRole("button", { name: "Sign in" }).click();
  await waitConnected(page);
  await page
    .locator("#who")
    .filter({ hasText: `Signed in as ${userId}` })
    .waitFor();
  return page;
}

/** Waits until the page shows the connection as connected. */
export async function waitConnected(page: Page, timeout = SEEN_WITHIN_MS): Promise<void> {
  await page.locator('#connection[data-state="connected"]').waitFor({ timeout });
}

/** Waits until the bell's badge says `count` unread (hidden at 0, "99+" above 99). */
export async function waitBadge(page: Page, count: number, timeout = SEEN_WITHIN_MS): Promise<void> {
  await page.locator(`#bell[data-unread="${count}"]`).waitFor({ state: "attached", timeout });
  if (count === 0) await page.locator("#badge").waitFor({ state: "hidden", timeout });
  else
    await page
      .locator("#badge")
      .filter({ hasText: count > 99 ? "99+" : String(count) })
      .waitFor({ timeout });
}

/** The inbox row of notification `id`. */
export function inboxRow(page: Page, id: string): Locator {
  return page.locator(`#inbox-list > li[data-id="${id}"]`);
}

/** What the inbox list shows, top to bottom: id, seq, subject and read state of each row. */
export async function inboxRows(page: Page): Promise<Array<{ id: string; seq: string; subject: string; unread: boolean }>> {
  return page.locator("#inbox-list > li").evaluateAll((rows) =>
    rows.map((r) => ({
      id: (r as HTMLElement).dataset.id ?? "",
      seq: (r as HTMLElement).dataset.seq ?? "",
      subject: r.querySelector(".subject")?.textContent ?? "",
      unread: r.classList.contains("unread"),
    })),
  );
}

/** Waits until the inbox shows exactly `count` rows. */
export async function waitRowCount(page: Page, count: number, timeout = SEEN_WITHIN_MS): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll("#inbox-list > li").length === n, count, { timeout });
}

/** Joins `roomId` with the rooms panel's form and returns the room's section once shown. */
export async function joinRoom(page: Page, roomId: string): Promise<Locator> {
  await page.getByLabel("Room id").fill(roomId);
  await page.getByRole("button", { name: "Join" }).click();
  const room = page.locator(`section.room[data-room="${roomId}"]`);
  await room.waitFor();
  return room;
}

/** The row of the room message whose text is `text`. */
export function messageRow(room: Locator, text: string): Locator {
  return room.locator("ol.messages > li").filter({ has: room.page().locator(".text", { hasText: text }) });
}
