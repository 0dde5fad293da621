import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, test } from "vitest";
import { launchChromium, newContext, PageLog, screenshot } from "../support/browser-chromium.js";
import {
  ensureWebBuilt,
  inboxRow,
  inboxRows,
  joinRoom,
  messageRow,
  openSignedIn,
  waitBadge,
  waitConnected,
  waitRowCount,
} from "../support/browser-web.js";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.js";
import { withDiagnostics } from "../support/diagnostics.js";
import { outgoing } from "../support/grpc.js";
import { HeraldNode, nodeDiagnostics } from "../support/herald-node.js";
import { connectRoomClient, roomMessage, roomOptions } from "../support/room-grpc.js";
import { TcpProxy } from "../support/tcp-proxy.js";

/**
 * Herald restarts under two open pages of one user: both reconnect by
 * themselves and show what was sent while they were away, each notification
 * and room message exactly once, without a reload.
 *
 * The pages reach the node through a TCP proxy, so that the test can keep
 * them away until the notifications are sent: the node is stopped (SIGTERM,
 * the pages get its close 3000), the proxy stops taking connections, the node
 * starts again and gets three sends and a room message over gRPC, then the
 * proxy lets the pages back in.
 */
describe("web inbox: Herald restarts", () => {
  let db: TestDatabase;
  let node: HeraldNode;
  let proxy: TcpProxy;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const log = new PageLog();

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createPostgresDatabase();
    node = await HeraldNode.start({ nodeId: "web-restart", databaseUrl: db.url!, natsUrl: "" });
    proxy = new TcpProxy({ host: "127.0.0.1", port: node.httpPort });
    await proxy.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await proxy?.stop();
    await node?.cleanup();
    await db?.drop();
  });

  async function device(name: string): Promise<Page> {
    const context = await newContext(browser);
    contexts.push(context);
    const page = await openSignedIn(context, `http://127.0.0.1:${proxy.port}/`, "dave", log, name);
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    return page;
  }

  const ROOM = "ops:restart";

  /** A room message from a backend, over a fresh RoomService channel (the node may just have restarted). */
  async function publish(text: string): Promise<void> {
    const { client, rooms } = connectRoomClient(node.grpcPort);
    try {
      await rooms.publishRoomMessages({ messages: [roomMessage({ roomId: ROOM, content: { text } })] });
    } finally {
      client.close();
    }
  }

  const roomTexts = (page: Page) => page.locator(`section.room[data-room="${ROOM}"] ol.messages > li .text`).allTextContents();

  async function send(subjects: string[]): Promise<string[]> {
    const res = await node.rpc.sendNotifications({
      notifications: subjects.map((subject) => outgoing({ userIds: ["dave"], subject, content: { text: subject } })),
    });
    return res.results.map((r) => r.notificationId);
  }

  test("both pages reconnect after a restart and show what was sent meanwhile, exactly once", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      const { client, rooms } = connectRoomClient(node.grpcPort);
      await rooms.createRoom({ roomId: ROOM, options: roomOptions() }); // members only, no presence
      await rooms.addRoomMembers({ roomId: ROOM, userIds: ["dave"] });
      client.close();
      const pages = [await device("dave-1"), await device("dave-2")];
      const before = await send(["Before 1", "Before 2"]);
      for (const page of pages) {
        await waitRowCount(page, 2);
        await waitBadge(page, 2);
        await joinRoom(page, ROOM);
      }
      await publish("Room before");
      for (const page of pages) await messageRow(page.locator(`section.room[data-room="${ROOM}"]`), "Room before").waitFor();

      assert.equal(await node.sigterm(), 0, "the node stopped cleanly");
      for (const page of pages) await page.locator('#connection:not([data-state="connected"])').waitFor();
      await proxy.stop(); // the pages' retries are refused until the sends are done
      await node.spawn();
      const meanwhile = await send(["While away 1", "While away 2", "While away 3"]);
      await publish("Room while away");
      for (const page of pages) {
        assert.notEqual(await page.locator("#connection").getAttribute("data-state"), "connected");
        assert.equal((await inboxRows(page)).length, 2, "nothing new before the page is back");
        assert.deepEqual(await roomTexts(page), ["Room before"]);
      }
      await screenshot(pages[0]!, "inbox-reconnecting");

      await proxy.start();
      for (const page of pages) {
        await waitConnected(page, 45_000); // the reconnect backoff is full-jitter, up to 20 s between tries
        for (const id of meanwhile) await inboxRow(page, id).waitFor();
        await waitBadge(page, 5);
      }
      // One more of each, live: once they are shown, any duplicate of the resumed ones would be shown too.
      const [after] = await send(["After"]);
      await publish("Room after");
      for (const page of pages) {
        await inboxRow(page, after!).waitFor();
        await messageRow(page.locator(`section.room[data-room="${ROOM}"]`), "Room after").waitFor();
        assert.deepEqual(await roomTexts(page), ["Room before", "Room while away", "Room after"], "each room message once, in order");
        const ids = (await inboxRows(page)).map((r) => r.id);
        assert.deepEqual(
          ids,
          [after, ...[...meanwhile].reverse(), ...[...before].reverse()],
          "every notification exactly once, newest first",
        );
        await waitBadge(page, 6);
        assert.ok(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true), "no reload");
      }
      await screenshot(pages[1]!, "inbox-after-restart");
      assert.deepEqual(log.pageErrors, []);
    });
  });
});
