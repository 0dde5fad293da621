import { uuidv7 } from "../domain/uuid7.js";
import type { NewNotification } from "../domain/ports.js";
import { counterUpsert, USER_COUNTERS } from "./stream-counters.js";

/*
 * The SQL of NotificationRepository.insertBatch and the parameters it takes.
 *
 * A batch goes to the database as two JSON parameters: the shared bodies
 * (subject, content, sender of each item sent to several recipients, once per
 * item) and the recipient rows (ord, id, user, code, times, idempotency key,
 * and either the item of a shared body or the row's own subject, content and
 * sender). A send of one 16 KiB item to 1,000 users is one 16 KiB body plus
 * 1,000 rows of a few dozen bytes, and stores one `notification_contents` row.
 */

const BODY = `
body as (
  select * from json_to_recordset(?::json) as t(item int, content_id uuid, subject text, content jsonb, sender_id text)
)`;

const ROW_COLUMNS = `ord int, id uuid, user_id text, code int, created_at timestamptz, expire_at timestamptz,
    item int, subject text, content jsonb, sender_id text`;

// A row of a shared item keeps the column defaults and points at its body.
const ROW_VALUES = `n.id, n.user_id, n.seq, n.code, coalesce(n.subject, ''), coalesce(n.content, '{}'::jsonb),
    coalesce(n.sender_id, ''), b.content_id, n.created_at, n.expire_at`;

// Takes every user's counter row lock in sorted order (no deadlock between
// concurrent batches): the counter upsert by 0. Creates missing counters. Runs
// before the insert so that the insert's snapshot sees every committed row of
// these users.
export const LOCK_COUNTERS = counterUpsert(USER_COUNTERS, "select distinct value, 0 from json_array_elements_text(?::json)");

// One statement: skip rows whose idempotency key is already stored (returning
// the first id), number the rest per user after the locked counter, insert
// them (and the bodies that fresh rows use) and advance the counters (the
// counter upsert again: the rows exist and are locked, so it only adds).
export const INSERT_BATCH = `
with ${BODY},
input as (
  select * from json_to_recordset(?::json) as t(${ROW_COLUMNS}, idempotency_key text)
),
existing as (
  select i.ord, n.id, n.seq from input i
  join notifications n on n.user_id = i.user_id and n.idempotency_key = i.idempotency_key
  where i.idempotency_key is not null
),
fresh as (
  select i.*, row_number() over (partition by i.user_id order by i.ord) as rn
  from input i where not exists (select 1 from existing e where e.ord = i.ord)
),
numbered as (
  select f.*, c.last_seq + f.rn as seq from fresh f join user_counters c on c.user_id = f.user_id
),
bodies as (
  insert into notification_contents (id, subject, content, sender_id)
  select b.content_id, b.subject, b.content, b.sender_id from body b where exists (select 1 from fresh f where f.item = b.item)
  returning 1
),
ins as (
  insert into notifications (id, user_id, seq, code, subject, content, sender_id, content_id, created_at, expire_at, idempotency_key)
  select ${ROW_VALUES}, n.idempotency_key
  from numbered n left join body b on b.item = n.item
  returning 1
),
bump as (
  ${counterUpsert(USER_COUNTERS, "select user_id, count(*) from fresh group by user_id")}
)
select ord, id::text as id, seq::text as seq, false as duplicate from numbered
union all
select ord, id::text, seq::text, true from existing`;

// Batches without idempotency keys (the common case) take one autocommit
// statement, one round trip: the counter upsert's row lock, held to commit,
// orders concurrent writers of a user, as in the two-statement path (see
// stream-counters.ts).
export const INSERT_BATCH_NO_KEYS = `
with ${BODY},
input as (
  select * from json_to_recordset(?::json) as t(${ROW_COLUMNS})
),
counts as (
  select user_id, count(*) as n from input group by user_id
),
bumped as (
  ${counterUpsert(USER_COUNTERS, "select user_id, n from counts")}
),
numbered as (
  select i.*, b.last_seq - c.n + row_number() over (partition by i.user_id order by i.ord) as seq
  from input i join counts c on c.user_id = i.user_id join bumped b on b.user_id = i.user_id
),
bodies as (
  insert into notification_contents (id, subject, content, sender_id)
  select content_id, subject, content, sender_id from body
  returning 1
),
ins as (
  insert into notifications (id, user_id, seq, code, subject, content, sender_id, content_id, created_at, expire_at)
  select ${ROW_VALUES}
  from numbered n left join body b on b.item = n.item
  returning 1
)
select ord, id::text as id, seq::text as seq, false as duplicate from numbered`;

/** The parameters of one batch, ready for the statements above. */
export interface InsertPayload {
  /** JSON array of bodies, one per sent item. */
  bodies: string;
  /** JSON array of recipient rows (first occurrence of each idempotency key only). */
  rows: string;
  /** The distinct users, for LOCK_COUNTERS. */
  users: string[];
  hasKeys: boolean;
  /** For each input row: the index of the earlier row with the same (user, key) it repeats, or -1. */
  aliasOf: number[];
}

interface Body {
  item: number;
  content_id: string;
  subject: string;
  content: Record<string, unknown>;
  sender_id: string;
}

interface Row {
  ord: number;
  id: string;
  user_id: string;
  code: number;
  created_at: string;
  expire_at: string | null;
  idempotency_key?: string;
  /** A shared body's item, or the row's own subject, content and sender. */
  item?: number;
  subject?: string;
  content?: Record<string, unknown>;
  sender_id?: string;
}

/**
 * Groups rows into items: rows that share one `content` object (by identity,
 * as InboxService passes it to every recipient of an item) and the same
 * subject and sender are one item. An item of two rows or more gets a shared
 * body; a lone row keeps its body. Content is serialised once per item, never
 * per recipient.
 */
export function buildInsertPayload(input: NewNotification[]): InsertPayload {
  const firstByKey = new Map<string, Map<string, number>>();
  const aliasOf = new Array<number>(input.length).fill(-1);
  const groups = new Map<Record<string, unknown>, Array<{ subject: string; senderId: string; rows: Row[] }>>();
  const rows: Row[] = [];
  const users = new Set<string>();
  input.forEach((r, ord) => {
    if (r.idempotencyKey !== "") {
      // Repeats of one (user, idempotency key) inside the batch resolve to the first.
      let keys = firstByKey.get(r.userId);
      if (!keys) firstByKey.set(r.userId, (keys = new Map()));
      const first = keys.get(r.idempotencyKey);
      if (first !== undefined) {
        aliasOf[ord] = first;
        return;
      }
      keys.set(r.idempotencyKey, ord);
    }
    const row: Row = {
      ord,
      id: r.id,
      user_id: r.userId,
      code: r.code,
      created_at: r.createdAt.toISOString(),
      expire_at: r.expireAt ? r.expireAt.toISOString() : null,
    };
    if (r.idempotencyKey !== "") row.idempotency_key = r.idempotencyKey;
    let candidates = groups.get(r.content);
    if (!candidates) groups.set(r.content, (candidates = []));
    let group = candidates.find((g) => g.subject === r.subject && g.senderId === r.senderId);
    if (!group) candidates.push((group = { subject: r.subject, senderId: r.senderId, rows: [] }));
    group.rows.push(row);
    users.add(r.userId);
    rows.push(row);
  });
  const bodies: Body[] = [];
  for (const [content, candidates] of groups)
    for (const g of candidates) {
      if (g.rows.length === 1) {
        Object.assign(g.rows[0]!, { subject: g.subject, content, sender_id: g.senderId });
        continue;
      }
      const item = bodies.length;
      bodies.push({ item, content_id: uuidv7(), subject: g.subject, content, sender_id: g.senderId });
      for (const row of g.rows) row.item = item;
    }
  return {
    bodies: JSON.stringify(bodies),
    rows: JSON.stringify(rows),
    users: [...users],
    hasKeys: firstByKey.size > 0,
    aliasOf,
  };
}
