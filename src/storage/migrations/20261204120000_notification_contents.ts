import type { Knex } from "knex";

/**
 * A sent item's body (subject, content, sender) is stored once, not once per
 * recipient: an item with several recipients in a batch gets one row in
 * `notification_contents`, and each recipient's `notifications` row references
 * it (`content_id`, its own subject/content/sender left at their defaults). A
 * single recipient's body stays on its row (`content_id` null), as every
 * existing row's does: nothing to move up. A body is deleted with the last row
 * that references it (NotificationRepository); there is no foreign key, so that
 * an insert takes no key-share lock on the body per recipient.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table notification_contents (
      id uuid primary key,
      subject text not null default '',
      content jsonb not null default '{}',
      sender_id text not null default ''
    )`);
  await knex.raw("alter table notifications add column content_id uuid");
  await knex.raw("create index notifications_content on notifications (content_id) where content_id is not null");
}

/** Copies every shared body back into the rows that reference it, then drops the bodies' table. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    update notifications n set subject = c.subject, content = c.content, sender_id = c.sender_id
    from notification_contents c where c.id = n.content_id`);
  await knex.raw("drop index notifications_content");
  await knex.raw("alter table notifications drop column content_id");
  await knex.raw("drop table notification_contents");
}
