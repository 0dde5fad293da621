import type { Knex } from "knex";
import type { BanStore } from "../domain/ports.js";
import { withDb } from "./db-errors.js";

export class BanRepository implements BanStore {
  readonly #db: Knex;

  constructor(options: { db: Knex }) {
    this.#db = options.db;
  }

  async ban(userId: string, reason: string): Promise<void> {
    await withDb(() =>
      this.#db("bans").insert({ user_id: userId, reason, created_at: new Date() }).onConflict("user_id").merge(["reason"]),
    );
  }

  async unban(userId: string): Promise<boolean> {
    // returning(): PGlite's delete() resolves to a result object, not a row count.
    return withDb(async () => (await this.#db("bans").where("user_id", userId).delete().returning("user_id")).length > 0);
  }

  async isBanned(userId: string): Promise<boolean> {
    return withDb(async () => (await this.#db("bans").where("user_id", userId).first("user_id")) !== undefined);
  }
}
