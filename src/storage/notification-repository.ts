import type { Knex } from "knex";
import type { InboxQuery, MarkReadTarget, Notification } from "../domain/notification.js";
import type { NewNotification, NotificationStore, StoredOutcome } from "../domain/ports.js";
import { withDb } from "./db-errors.js";
import { NOTIFICATION_COLUMNS, type NotificationRow, toNotification } from "./rows.js";

// Takes every user's counter row lock in sorted order (no deadlock between
// concurrent batches). Creates missing counters. Runs before the insert so that
// the insert's snapshot sees every committed row of these users.
const LOCK_COUNTERS = `
insert into user_counters (user_id, last_seq)
select u, 0 from (select distinct value as u from json_array_elements_text(?::json)) s order by u
on conflict (user_id) do update set last_seq = user_counters.last_seq`;

// One statement: skip rows whose idempotency key is already stored (returning
// the first id), number the rest per user after the locked counter, insert
// them and advance the counters.
const INSERT_BATCH = `
with input as (
  select * from json_to_recordset(?::json) as t(
    ord int, id uuid, user_id text, code int, subject text, content jsonb, sender_id text,
    created_at timestamptz, expire_at timestamptz, idempotency_key text)
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
ins as (
  insert into notifications (id, user_id, seq, code, subject, content, sender_id, created_at, expire_at, idempotency_key)
  select id, user_id, seq, code, subject, content, sender_id, created_at, expire_at, idempotency_key from numbered
  returning 1
),
bump as (
  update user_counters c set last_seq = c.last_seq + x.n
  from (select user_id, count(*) as n from fresh group by user_id) x
  where c.user_id = x.user_id
  returning 1
)
select ord, id::text as id, seq::text as seq, false as duplicate from numbered
union all
select ord, id::text, seq::text, true from existing`;

// Batches without idempotency keys (the common case) take one autocommit
// statement, one round trip: the counter upsert's row lock, held to commit,
// orders concurrent writers of a user, as in the two-statement path.
const INSERT_BATCH_NO_KEYS = `
with input as (
  select * from json_to_recordset(?::json) as t(
    ord int, id uuid, user_id text, code int, subject text, content jsonb, sender_id text,
    created_at timestamptz, expire_at timestamptz)
),
counts as (
  select user_id, count(*) as n from input group by user_id
),
bumped as (
  insert into user_counters (user_id, last_seq)
  select user_id, n from counts order by user_id
  on conflict (user_id) do update set last_seq = user_counters.last_seq + excluded.last_seq
  returning user_id, last_seq
),
numbered as (
  select i.*, b.last_seq - c.n + row_number() over (partition by i.user_id order by i.ord) as seq
  from input i join counts c on c.user_id = i.user_id join bumped b on b.user_id = i.user_id
),
ins as (
  insert into notifications (id, user_id, seq, code, subject, content, sender_id, created_at, expire_at)
  select id, user_id, seq, code, subject, content, sender_id, created_at, expire_at from numbered
  returning 1
)
select ord, id::text as id, seq::text as seq, false as duplicate from numbered`;

const NOT_EXPIRED = "(expire_at is null or expire_at > now())";

/** Postgres and PGlite implementation of the inbox, through the same knex code. */
export class NotificationRepository implements NotificationStore {
  readonly #db: Knex;

  constructor(options: { db: Knex }) {
    this.#db = options.db;
  }

  async insertBatch(rows: NewNotification[]): Promise<StoredOutcome[]> {
    if (rows.length === 0) return [];
    // Repeats of one (user, idempotency key) inside the batch resolve to the first.
    const firstByKey = new Map<string, number>();
    const unique: Array<NewNotification & { ord: number }> = [];
    const aliasOf = new Array<number>(rows.length).fill(-1);
    rows.forEach((r, i) => {
      if (r.idempotencyKey !== "") {
        const k = `${r.userId}\u0000${r.idempotencyKey}`;
        const first = firstByKey.get(k);
        if (first !== undefined) {
          aliasOf[i] = first;
          return;
        }
        firstByKey.set(k, i);
      }
      unique.push({ ...r, ord: i });
    });
    const payload = JSON.stringify(
      unique.map((r) => ({
        ord: r.ord,
        id: r.id,
        user_id: r.userId,
        code: r.code,
        subject: r.subject,
        content: r.content,
        sender_id: r.senderId,
        created_at: r.createdAt.toISOString(),
        expire_at: r.expireAt ? r.expireAt.toISOString() : null,
        idempotency_key: r.idempotencyKey === "" ? null : r.idempotencyKey,
      })),
    );
    type Row = { ord: number; id: string; seq: string; duplicate: boolean };
    const out = firstByKey.size === 0
      ? await withDb(async () => (await this.#db.raw(INSERT_BATCH_NO_KEYS, [payload])).rows as Row[])
      : await withDb(() =>
          this.#db.transaction(async (trx) => {
            await trx.raw(LOCK_COUNTERS, [JSON.stringify([...new Set(unique.map((r) => r.userId))])]);
            return (await trx.raw(INSERT_BATCH, [payload])).rows as Row[];
          }),
        );
    const byOrd = new Array<StoredOutcome>(rows.length);
    for (const r of out) byOrd[r.ord] = { id: r.id, seq: Number(r.seq), duplicate: r.duplicate };
    aliasOf.forEach((first, i) => {
      if (first >= 0) {
        const o = byOrd[first]!;
        byOrd[i] = { id: o.id, seq: o.seq, duplicate: true };
      }
    });
    return byOrd;
  }

  async list(userId: string, q: InboxQuery): Promise<Notification[]> {
    return withDb(async () => {
      const qb = this.#db<NotificationRow>("notifications")
        .select([...NOTIFICATION_COLUMNS])
        .where("user_id", userId)
        .whereRaw(NOT_EXPIRED);
      if (q.unreadOnly) qb.whereNull("read_at");
      if (q.systemFilter === "exclude") qb.where("code", ">", 0);
      if (q.systemFilter === "only") qb.where("code", "<=", 0);
      if (q.direction === "forward") qb.where("seq", ">", q.position).orderBy("seq", "asc");
      else {
        if (q.position > 0) qb.where("seq", "<", q.position);
        qb.orderBy("seq", "desc");
      }
      const rows = (await qb.limit(q.limit)) as unknown as NotificationRow[];
      return rows.map(toNotification);
    });
  }

  async listAfter(userId: string, afterSeq: number, limit: number): Promise<Notification[]> {
    return this.list(userId, { direction: "forward", position: afterSeq, limit, unreadOnly: false, systemFilter: "include" });
  }

  async deleteByIds(userId: string, ids: string[]): Promise<string[]> {
    return withDb(async () => {
      const rows = await this.#db("notifications").where("user_id", userId).whereIn("id", ids).delete().returning("id");
      return rows.map((r: { id: string }) => r.id);
    });
  }

  async markRead(userId: string, target: MarkReadTarget): Promise<{ count: number; ids: string[] }> {
    return withDb(async () => {
      const qb = this.#db("notifications").where("user_id", userId).whereNull("read_at");
      if ("ids" in target) qb.whereIn("id", target.ids);
      else qb.where("seq", "<=", target.upToSeq);
      const rows = await qb.update({ read_at: this.#db.fn.now() }).returning("id");
      const ids = rows.map((r: { id: string }) => r.id);
      return { count: ids.length, ids: "ids" in target ? ids : [] };
    });
  }

  async ack(userId: string, ids: string[]): Promise<number> {
    return withDb(async () => {
      const rows = await this.#db("notifications")
        .where("user_id", userId)
        .whereIn("id", ids)
        .whereNull("ack_at")
        .update({ ack_at: this.#db.fn.now() })
        .returning("id");
      return rows.length;
    });
  }

  async unreadCount(userId: string): Promise<number> {
    return withDb(async () => {
      const row = await this.#db("notifications")
        .where("user_id", userId)
        .whereNull("read_at")
        .whereRaw(NOT_EXPIRED)
        .count<{ n: string | number }>({ n: "*" })
        .first();
      return Number(row?.n ?? 0);
    });
  }

  async lastSeq(userId: string): Promise<number> {
    return withDb(async () => {
      const row = await this.#db("user_counters").where("user_id", userId).first("last_seq");
      return row ? Number(row.last_seq) : 0;
    });
  }

  async purgeExpired(now: Date): Promise<number> {
    // In slices, so that a large backlog never runs into the statement timeout.
    return withDb(async () => {
      let total = 0;
      for (;;) {
        const slice = this.#db("notifications").select("id").where("expire_at", "<=", now).limit(5000);
        const n = (await this.#db("notifications").whereIn("id", slice).delete().returning("id")).length;
        total += n;
        if (n < 5000) return total;
      }
    });
  }
}
