import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { REPO_ROOT } from "./build.js";

/**
 * Debian's Chromium driven by playwright-core, headless. `chromium.launch`
 * gives every browser a fresh temporary user-data directory of its own
 * (removed when it closes), and each `newContext()` is a separate profile:
 * no cookies, storage or cache shared, like two devices.
 */

export const CHROMIUM_PATH = process.env.HERALD_TEST_CHROMIUM || "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Where the browser tests write their screenshots (an artifact of the run, not committed). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, "test-artifacts/screenshots");

/** Launches headless Chromium; fails with a clear message when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set HERALD_TEST_CHROMIUM`,
    );
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

/** A new browser context (a fresh profile) at phone or desktop size; page errors fail loudly in the log. */
export async function newContext(browser: Browser, viewport = { width: 1100, height: 800 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, reducedMotion: "reduce" });
  context.setDefaultTimeout(15_000);
  return context;
}

/** Everything a page logged to its console or threw, for diagnostics when a test fails. */
export class PageLog {
  readonly lines: string[] = [];

  watch(page: Page, name: string): void {
    page.on("console", (m) => this.lines.push(`[${name}] console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => this.lines.push(`[${name}] pageerror: ${e.message}`));
    page.on("crash", () => this.lines.push(`[${name}] crashed`));
  }

  /** Uncaught exceptions in any watched page (a test asserts there were none). */
  get pageErrors(): string[] {
    return this.lines.filter((l) => l.includes("pageerror:"));
  }

  diagnostics(lines = 80): string {
    return `---- browser console (${this.lines.length} lines)\n${this.lines.slice(-lines).join("\n")}`;
  }
}

/** Saves a screenshot of the page's content (the whole width, down to its last visible block) as test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  const { width, height } = await page.evaluate(() => ({
    width: document.documentElement.clientWidth,
    height: Math.max(...[...document.body.children].map((e) => e.getBoundingClientRect().bottom + window.scrollY)) + 16,
  }));
  await page.screenshot({ path: file, fullPage: true, animations: "disabled", clip: { x: 0, y: 0, width, height: Math.ceil(height) } });
  return file;
}
