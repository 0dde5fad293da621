import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { BanRepository } from "../../../src/storage/ban-repository.js";
import { BACKENDS, openMigratedDatabase, type OpenTestDatabase } from "../../support/databases.js";

for (const backend of BACKENDS) {
  describe(`BanRepository on ${backend.name}`, () => {
    let store: OpenTestDatabase;
    let bans: BanRepository;

    beforeAll(async () => {
      store = await openMigratedDatabase(backend);
      bans = new BanRepository({ db: store.db });
    });

    afterAll(() => store?.close());

    test("ban, ban again (reason updated), isBanned, unban reports whether there was a ban", async () => {
      assert.equal(await bans.isBanned("mallory"), false);
      await bans.ban("mallory", "spam");
      await bans.ban("mallory", "more spam");
      assert.equal(await bans.isBanned("mallory"), true);
      assert.equal(await bans.isBanned("alice"), false);
      const rows = await store.db("bans").where("user_id", "mallory").select("reason");
      assert.deepEqual(rows, [{ reason: "more spam" }]);

      assert.equal(await bans.unban("mallory"), true, "unban of a banned user returns true");
      assert.equal(await bans.isBanned("mallory"), false);
      assert.equal(await bans.unban("mallory"), false, "unban of a user who is not banned returns false");
    });
  });
}
