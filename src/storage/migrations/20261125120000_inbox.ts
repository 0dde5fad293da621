import type { Knex } from "knex";

/**
 * The inbox. `user_counters` holds each user's last assigned seq: its row lock
 * serialises concurrent writers of one user, which is what makes seq gapless
 * and commit order equal to seq order. The partial unique index on
 * (user_id, idempotency_key) makes idempotent sends race-free.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("user_counters", (t) => {
    t.text("user_id").primary();
    t.bigInteger("last_seq").notNullable().defaultTo(0);
  });
  await knex.schema.createTable("notifications", (t) => {
    t.uuid("id").primary();
    t.text("user_id").notNullable();
    t.bigInteger("seq").notNullable();
    t.integer("code").notNullable();
    t.text("subject").notNullable().defaultTo("");
    t.jsonb("content").notNullable().defaultTo("{}");
    t.text("sender_id").notNullable().defaultTo("");
    t.timestamp("created_at", { useTz: true }).notNullable();
    t.timestamp("read_at", { useTz: true }).nullable();
    t.timestamp("ack_at", { useTz: true }).nullable();
    t.timestamp("expire_at", { useTz: true }).nullable();
    t.text("idempotency_key").nullable();
    t.unique(["user_id", "seq"], { indexName: "notifications_user_seq" });
  });
  await knex.raw(
    "create unique index notifications_user_idempotency on notifications (user_id, idempotency_key) where idempotency_key is not null",
  );
  await knex.raw("create index notifications_user_unread on notifications (user_id, seq) where read_at is null");
  await knex.raw("create index notifications_expire on notifications (expire_at) where expire_at is not null");
}

/** Drops the inbox, losing every stored notification: only for development and tests. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("notifications");
  await knex.schema.dropTable("user_counters");
}
