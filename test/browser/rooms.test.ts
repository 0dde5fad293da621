import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, test } from "vitest";
import { JoinPolicy } from "../../gen/herald/v1/room.js";
import { launchChromium, newContext, PageLog, screenshot } from "../support/browser-chromium.js";
import { ensureWebBuilt, joinRoom, messageRow, openSignedIn } from "../support/browser-web.js";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.js";
import { withDiagnostics } from "../support/diagnostics.js";
import { outgoing } from "../support/grpc.js";
import { HeraldNode, nodeDiagnostics } from "../support/herald-node.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../support/room-grpc.js";

/**
 * The rooms panel in headless Chromium: two users in one room see each
 * other's messages, edits, deletes and typing, the presence count, and a
 * backend's message, live.
 */
describe("web inbox: a room shared by two users", () => {
  let db: TestDatabase;
  let node: HeraldNode;
  let rooms: RoomRpc;
  let closeRooms: () => void;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const log = new PageLog();
  const ROOM = "team:web";

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createPostgresDatabase();
    node = await HeraldNode.start({ nodeId: "web-rooms", databaseUrl: db.url!, natsUrl: "" });
    const rc = connectRoomClient(node.grpcPort);
    rooms = rc.rooms;
    closeRooms = () => rc.client.close();
    await rooms.createRoom({
      roomId: ROOM,
      options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_MEMBERS, membersCanPublish: true, membersCanEdit: true, presence: true }),
    });
    await rooms.addRoomMembers({ roomId: ROOM, userIds: ["alice", "bob"] });
    await rooms.publishRoomMessages({ messages: [roomMessage({ roomId: ROOM, content: { text: "Welcome to the team room" } })] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    closeRooms?.();
    await node?.cleanup();
    await db?.drop();
  });

  async function user(userId: string): Promise<Page> {
    const context = await newContext(browser);
    contexts.push(context);
    return openSignedIn(context, `http://127.0.0.1:${node.httpPort}/`, userId, log);
  }

  test("messages, edits, deletes, typing and presence go both ways", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      // Alice has two notifications too, so that the screenshot shows the whole page at work.
      await node.rpc.sendNotifications({
        notifications: [
          outgoing({ userIds: ["alice"], subject: "Deploy finished", content: { text: "api v2.3.1 is live in eu-west" }, senderId: "ci" }),
          outgoing({ userIds: ["alice"], subject: "Review requested", content: { text: "bob asked you to review #482" }, senderId: "bob" }),
        ],
      });
      const alicePage = await user("alice");
      const bobPage = await user("bob");
      const alice = await joinRoom(alicePage, ROOM);
      const bob = await joinRoom(bobPage, ROOM);

      // History on join, and both present.
      for (const room of [alice, bob]) {
        await messageRow(room, "Welcome to the team room").waitFor();
        await room.locator('.presence[data-count="2"]').waitFor();
      }
      assert.equal(await messageRow(bob, "Welcome to the team room").locator(".sender").textContent(), "server");

      // Alice types: Bob sees it; she sends: Bob gets the message, with her name and no Edit button for him.
      const aliceInput = alicePage.getByLabel(`Message to ${ROOM}`);
      await aliceInput.pressSequentially("Hello Bob", { delay: 20 });
      await bob.locator(".typing", { hasText: "alice is typing…" }).waitFor();
      await aliceInput.press("Enter");
      const helloAtBob = messageRow(bob, "Hello Bob");
      await helloAtBob.waitFor();
      assert.equal(await helloAtBob.locator(".sender").textContent(), "alice");
      assert.equal(await helloAtBob.getByRole("button", { name: "Edit" }).count(), 0, "no Edit on someone else's message");
      await messageRow(alice, "Hello Bob").getByRole("button", { name: "Edit" }).waitFor();

      // Bob answers; Alice sees it.
      await bobPage.getByLabel(`Message to ${ROOM}`).fill("Hi Alice");
      await bobPage.getByLabel(`Message to ${ROOM}`).press("Enter");
      await messageRow(alice, "Hi Alice").waitFor();
      await alicePage.locator("#inbox-list > li").nth(1).waitFor();
      await bobPage.getByLabel(`Message to ${ROOM}`).pressSequentially("Let", { delay: 20 });
      await alice.locator(".typing", { hasText: "bob is typing…" }).waitFor();
      await screenshot(alicePage, "room-two-users");

      // Bob edits his message: Alice sees the new text, marked edited.
      await messageRow(bob, "Hi Alice").getByRole("button", { name: "Edit" }).click();
      await bob.getByLabel("Edit message").fill("Hi Alice, welcome back");
      await bob.getByLabel("Edit message").press("Enter");
      const edited = messageRow(alice, "Hi Alice, welcome back");
      await edited.waitFor();
      await edited.locator(".edited").waitFor();
      await messageRow(alice, "Hi Alice").filter({ hasNotText: "welcome back" }).waitFor({ state: "detached" });

      // Alice deletes hers: it goes from Bob's page.
      await messageRow(alice, "Hello Bob").getByRole("button", { name: "Delete" }).click();
      await messageRow(bob, "Hello Bob").waitFor({ state: "detached" });
      await messageRow(alice, "Hello Bob").waitFor({ state: "detached" });

      // A backend's message reaches both.
      await rooms.publishRoomMessages({ messages: [roomMessage({ roomId: ROOM, content: { text: "Standup in 5 minutes" } })] });
      for (const room of [alice, bob]) await messageRow(room, "Standup in 5 minutes").waitFor();

      // What each shows, top to bottom, is the same.
      const texts = (page: Page) => page.locator(`section.room[data-room="${ROOM}"] ol.messages > li .text`).allTextContents();
      assert.deepEqual(await texts(alicePage), ["Welcome to the team room", "Hi Alice, welcome back", "Standup in 5 minutes"]);
      assert.deepEqual(await texts(bobPage), await texts(alicePage));

      // Bob leaves: Alice's presence count drops.
      await bob.getByRole("button", { name: `Leave ${ROOM}` }).click();
      await bob.waitFor({ state: "detached" });
      await alice.locator('.presence[data-count="1"]').waitFor();
      await screenshot(alicePage, "room-after-leave");
      assert.deepEqual(log.pageErrors, []);
    });
  });

  test("a new message in a room not joined shows a notice to join it; where members may not publish, sending shows the refusal", async () => {
    await withDiagnostics([nodeDiagnostics([node]), log], async () => {
      await rooms.createRoom({ roomId: "news:read-only", options: roomOptions({ membersCanPublish: false }) });
      await rooms.addRoomMembers({ roomId: "news:read-only", userIds: ["carl"] });
      const page = await user("carl");
      // A message in a room of his that he has not joined: a notice with a Join button.
      await rooms.publishRoomMessages({ messages: [roomMessage({ roomId: "news:read-only", content: { text: "Release 2.0 is out" } })] });
      await page.getByRole("button", { name: "Join news:read-only" }).click();
      const room = page.locator('section.room[data-room="news:read-only"]');
      await messageRow(room, "Release 2.0 is out").waitFor();
      await page.locator('#room-activity > li[data-room="news:read-only"]').waitFor({ state: "detached" });
      await page.getByLabel("Message to news:read-only").fill("Can I post?");
      await page.getByLabel("Message to news:read-only").press("Enter");
      await room.getByRole("alert").filter({ hasText: "permission_denied" }).waitFor();
      assert.deepEqual(await room.locator("ol.messages > li .text").allTextContents(), ["Release 2.0 is out"]);
      assert.equal(await page.getByLabel("Message to news:read-only").inputValue(), "Can I post?", "the text is kept to copy elsewhere");

      // A room the user may not join: the join is refused and no room is shown.
      await rooms.createRoom({ roomId: "board:private", options: roomOptions() });
      await page.getByLabel("Room id").fill("board:private");
      await page.getByRole("button", { name: "Join" }).click();
      await page.locator("#alert").filter({ hasText: "Could not join board:private" }).waitFor();
      assert.equal(await page.locator('section.room[data-room="board:private"]').count(), 0);
      assert.deepEqual(log.pageErrors, []);
    });
  });
});
