import { PreparedStatement } from "./prepared-statement.js";
import type { Knex } from "knex";
import type { InboxQuery, MarkReadTarget, Notification } from "../domain/notification.js";
import type { NewNotification, NotificationStore, StoredOutcome } from "../domain/ports.js";
import { withDb } from "./db-errors.js";
import { buildInsertPayload, INSERT_BATCH, INSERT_BATCH_NO_KEYS, LOCK_COUNTERS } from "./insert-batch.js";
import { ReadGate } from "./read-gate.js";
import { StreamCounters, USER_COUNTERS } from "./stream-counters.js";
import { NOTIFICATION_SELECT, type NotificationRow, toNotification } from "./rows.js";

const NOT_EXPIRED = "(n.expire_at is null or n.expire_at > now())";

// Deletes the bodies of the given ids that no notification references any more.
// Runs as its own statement after the delete committed: two deleters of sibling
// rows then cannot both see the other's row and both keep the body.
const DELETE_UNREFERENCED_BODIES = `
delete from notification_contents c
where c.id in (select value::uuid from json_array_elements_text(?::json))
and not exists (select 1 from notifications n where n.content_id = c.id)`;

/** Postgres and PGlite implementation of the inbox, through the same knex code. */
/** The insert of a batch without idempotency keys, one autocommit statement, planned once per connection. */
const INSERT_NO_KEYS = new PreparedStatement("herald_insert_batch_no_keys", INSERT_BATCH_NO_KEYS, 2);

export class NotificationRepository implements NotificationStore {
  readonly #db: Knex;
  readonly #reads: ReadGate | undefined;
  readonly #counters = new StreamCounters({ table: USER_COUNTERS });

  /**
   * `maxConcurrentReads` bounds list, resume and count reads running at once
   * (see ReadGate; keep it below the pool size); unset, reads are not bounded.
   * A read that waits over `readWaitTimeoutMs` (default 3 s) fails `unavailable`.
   * Or `reads`: a gate shared with other stores (rooms' history reads).
   */
  constructor(options: { db: Knex; maxConcurrentReads?: number; readWaitTimeoutMs?: number; reads?: ReadGate }) {
    this.#db = options.db;
    this.#reads =
      options.reads ??
      (options.maxConcurrentReads === undefined
        ? undefined
        : new ReadGate({ max: options.maxConcurrentReads, timeoutMs: options.readWaitTimeoutMs ?? 3000 }));
  }

  #read<T>(fn: () => Promise<T>): Promise<T> {
    return this.#reads ? this.#reads.run(() => withDb(fn)) : withDb(fn);
  }

  async insertBatch(rows: NewNotification[]): Promise<StoredOutcome[]> {
    if (rows.length === 0) return [];
    const p = buildInsertPayload(rows);
    type Row = { ord: number; id: string; seq: string; duplicate: boolean };
    const out = !p.hasKeys
      ? await withDb(() => INSERT_NO_KEYS.rows<Row>(this.#db, [p.bodies, p.rows]))
      : await withDb(() =>
          this.#db.transaction(async (trx) => {
            await trx.raw(LOCK_COUNTERS, [JSON.stringify(p.users)]);
            return (await trx.raw(INSERT_BATCH, [p.bodies, p.rows])).rows as Row[];
          }),
        );
    const byOrd = new Array<StoredOutcome>(rows.length);
    for (const r of out) byOrd[r.ord] = { id: r.id, seq: Number(r.seq), duplicate: r.duplicate };
    p.aliasOf.forEach((first, i) => {
      if (first >= 0) {
        const o = byOrd[first]!;
        byOrd[i] = { id: o.id, seq: o.seq, duplicate: true };
      }
    });
    return byOrd;
  }

  async list(userId: string, q: InboxQuery): Promise<Notification[]> {
    return this.#read(async () => {
      const qb = this.#db<NotificationRow>({ n: "notifications" })
        .leftJoin({ c: "notification_contents" }, "c.id", "n.content_id")
        .select(this.#db.raw(NOTIFICATION_SELECT))
        .where("n.user_id", userId)
        .whereRaw(NOT_EXPIRED);
      if (q.unreadOnly) qb.whereNull("n.read_at");
      if (q.systemFilter === "exclude") qb.where("n.code", ">", 0);
      if (q.systemFilter === "only") qb.where("n.code", "<=", 0);
      if (q.direction === "forward") qb.where("n.seq", ">", q.position).orderBy("n.seq", "asc");
      else {
        if (q.position > 0) qb.where("n.seq", "<", q.position);
        qb.orderBy("n.seq", "desc");
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
      const rows: Array<{ id: string; content_id: string | null }> = await this.#db("notifications")
        .where("user_id", userId)
        .whereIn("id", ids)
        .delete()
        .returning(["id", "content_id"]);
      await this.#deleteUnreferencedBodies(rows);
      return rows.map((r) => r.id);
    });
  }

  async #deleteUnreferencedBodies(deleted: Array<{ content_id: string | null }>): Promise<void> {
    const ids = [...new Set(deleted.flatMap((r) => (r.content_id === null ? [] : [r.content_id])))];
    if (ids.length > 0) await this.#db.raw(DELETE_UNREFERENCED_BODIES, [JSON.stringify(ids)]);
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
    return this.#read(async () => {
      const row = await this.#db({ n: "notifications" })
        .where("n.user_id", userId)
        .whereNull("n.read_at")
        .whereRaw(NOT_EXPIRED)
        .count<{ n: string | number }>({ n: "*" })
        .first();
      return Number(row?.n ?? 0);
    });
  }

  async lastSeq(userId: string): Promise<number> {
    return this.#read(() => this.#counters.last(this.#db, userId));
  }

  async sessionState(userId: string): Promise<{ lastSeq: number; unreadCount: number }> {
    return this.#read(async () => {
      // One round trip for what every new connection reads.
      const { rows } = await this.#db.raw<{ rows: { last_seq: string | number | null; unread: string | number }[] }>(
        `select (select last_seq from user_counters where user_id = ?) as last_seq,
                (select count(*) from notifications n where n.user_id = ? and n.read_at is null and ${NOT_EXPIRED}) as unread`,
        [userId, userId],
      );
      const row = rows[0];
      return { lastSeq: Number(row?.last_seq ?? 0), unreadCount: Number(row?.unread ?? 0) };
    });
  }

  async lastAcknowledgedSeq(userId: string): Promise<number> {
    return this.#read(async () => {
      const row = await this.#db("notifications")
        .where("user_id", userId)
        .whereNotNull("ack_at")
        .max<{ m: string | number | null }>({ m: "seq" })
        .first();
      return Number(row?.m ?? 0);
    });
  }

  async purgeExpired(now: Date): Promise<number> {
    // In slices, so that a large backlog never runs into the statement timeout;
    // each slice then deletes the bodies no notification references any more.
    return withDb(async () => {
      let total = 0;
      for (;;) {
        const slice = this.#db("notifications").select("id").where("expire_at", "<=", now).limit(5000);
        const rows: Array<{ content_id: string | null }> = await this.#db("notifications")
          .whereIn("id", slice)
          .delete()
          .returning("content_id");
        await this.#deleteUnreferencedBodies(rows);
        total += rows.length;
        if (rows.length < 5000) return total;
      }
    });
  }
}
