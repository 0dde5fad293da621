import type { Knex } from "knex";

/*
 * The newest acknowledged notification of a user, found in one index probe:
 * a Socket.IO connection that names no resume point resumes after it (the
 * Matcha clients acknowledge what they got). Partial, so that it costs nothing
 * for the notifications nobody acknowledges.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("create index notifications_user_acked on notifications (user_id, seq) where ack_at is not null");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop index notifications_user_acked");
}
