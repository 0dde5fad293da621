import type { Knex } from "knex";

/** Bans are stored, not kept in memory, so they survive restarts and hold on every node. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("bans", (t) => {
    t.text("user_id").primary();
    t.text("reason").notNullable().defaultTo("");
    t.timestamp("created_at", { useTz: true }).notNullable();
  });
}

/** Lifts every ban. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("bans");
}
