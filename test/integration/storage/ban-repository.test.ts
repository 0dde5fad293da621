import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Knex } from "knex";
import { BanRepository } from "../../../src/storage/ban-repository.js";
import { migrateLatest } from "../../../src/storage/database.js";
import { BACKENDS, type TestDatabase } from "../../support/databases.js";

for (const backend of BACKENDS) {
  describe(`BanRepository on ${backend.name}`, () => {
    let tdb: TestDatabase;
    let db: Knex;
    let bans: BanRepository;

    before(async () => {
      tdb = await backend.create({ memory: true });
      db = tdb.open();
      await migrateLatest(db);
      bans = new BanRepository({ db });
    });

    after(async () => {
      await db?.destroy();
      await tdb?.drop();
    });

    test("ban, ban again (reason updated), isBanned, unban reports whether there was a ban", async () => {
      assert.equal(await bans.isBanned("mallory"), false);
      await bans.ban("mallory", "spam");
      await bans.ban("mallory", "more spam");
      assert.equal(await bans.isBanned("mallory"), true);
      assert.equal(await bans.isBanned("alice"), false);
      const rows = await db("bans").where("user_id", "mallory").select("reason");
      assert.deepEqual(rows, [{ reason: "more spam" }]);

      assert.equal(await bans.unban("mallory"), true, "unban of a banned user returns true");
      assert.equal(await bans.isBanned("mallory"), false);
      assert.equal(await bans.unban("mallory"), false, "unban of a user who is not banned returns false");
    });
  });
}
