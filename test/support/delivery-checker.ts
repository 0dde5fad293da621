/**
 * Delivery checker, for tests and benchmarks: records every send and every
 * delivery, then says what was lost, duplicated, unexpected or out of order.
 * Pure bookkeeping: no I/O, no clock.
 *
 * Vocabulary
 * - A *send* is one notification for one user, named by a `ref` that the
 *   caller chooses, unique per user, and that travels in the notification
 *   (e.g. `content.ref`), so that a delivery can be matched even when the send's
 *   answer never came back (outcome `unknown`) and its id is not known.
 *   Recording the same (user, ref) again (a retry with the same idempotency
 *   key) updates that send: its outcome becomes the best one seen
 *   (ok > unknown > error), and every id answered is kept.
 * - A *logical client* is one simulated device of a user: it may reconnect
 *   many times, to any node, and keeps its last seq across connections. Each
 *   delivery names its logical client and the connection it came through.
 *
 * Report (all counts)
 * - lost: pairs (persistent send answered OK, logical client of its user)
 *   where the client never received the send (matched by id, or by ref) over
 *   any of its connections. `lostSends`: such sends, counted once each.
 *   Sends to a user without any logical client are `unobserved`, not lost.
 * - duplicatedRaw: deliveries of an id that the same logical client had
 *   already received (over the same or an earlier connection), i.e. what a
 *   client must drop when it dedupes by id.
 * - duplicatedAfterDedupe: after dedupe by id, extra deliveries of one send
 *   (same user and ref) under a different id to the same logical client, i.e.
 *   the server stored one send twice (an idempotency failure). Dedupe by id
 *   cannot remove these.
 * - conflictingIds: sends whose OK answers named more than one id.
 * - unexpected: deliveries (after dedupe by id) that match no recorded send
 *   (unknown id and unknown ref), or that reached a client of another user
 *   than the notification's or the send's.
 * - deliveredAfterError: pairs (send whose only outcome was `error`, client)
 *   where the client received it anyway: the server stored what it refused.
 * - outOfOrder: per logical client, over persistent deliveries in arrival
 *   order after dedupe by id: a seq not greater than the highest seen before.
 * - seqMismatch: deliveries whose seq differs from the seq answered at send.
 * - ephemeralMissed: pairs (ephemeral send answered OK, client of its user)
 *   never delivered. Ephemeral notifications are at most once: informational.
 */

export type Outcome = "ok" | "error" | "unknown";

export interface SendRecord {
  /** Caller-chosen name of the send, unique per user, carried in the notification. */
  ref: string;
  userId: string;
  /** Default true. */
  persistent?: boolean;
  outcome: Outcome;
  /** The notification id answered (OK only). */
  id?: string;
  /** The seq answered (persistent, OK only). */
  seq?: number;
}

export interface DeliveryRecord {
  clientId: string;
  connectionId: string;
  /** The user the notification is addressed to (as delivered). */
  userId: string;
  id: string;
  /** 0 for ephemeral. */
  seq: number;
  /** The send's ref as found in the notification, if any. */
  ref?: string;
  persistent?: boolean;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface DeliveryReport {
  sent: number;
  okSent: number;
  errorSent: number;
  unknownSent: number;
  persistentOkSent: number;
  clients: number;
  connections: number;
  deliveries: number;
  lost: number;
  lostSends: number;
  unobserved: number;
  duplicatedRaw: number;
  duplicatedAfterDedupe: number;
  conflictingIds: number;
  unexpected: number;
  deliveredAfterError: number;
  outOfOrder: number;
  seqMismatch: number;
  ephemeralMissed: number;
  reconnects: LatencySummary;
  /** Up to 10 examples of each problem, for failure messages. */
  examples: {
    lost: string[];
    duplicatedRaw: string[];
    duplicatedAfterDedupe: string[];
    unexpected: string[];
    deliveredAfterError: string[];
    outOfOrder: string[];
    seqMismatch: string[];
  };
}

interface Send {
  key: string;
  ref: string;
  userId: string;
  persistent: boolean;
  outcome: Outcome;
  ids: Set<string>;
  seq: number | undefined;
}

interface Client {
  clientId: string;
  userId: string;
  deliveries: DeliveryRecord[];
}

const RANK: Record<Outcome, number> = { error: 0, unknown: 1, ok: 2 };
const MAX_EXAMPLES = 10;

function sendKey(userId: string, ref: string): string {
  return `${userId}\u0000${ref}`;
}

/** Percentile (0..100) of a list of numbers, nearest-rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export class DeliveryChecker {
  readonly #sends = new Map<string, Send>();
  readonly #byId = new Map<string, Send>();
  readonly #clients = new Map<string, Client>();
  readonly #clientsByUser = new Map<string, Client[]>();
  readonly #reconnectMs: number[] = [];
  #deliveries = 0;

  /** Registers a logical client of a user (implicitly done by its first delivery otherwise). */
  client(clientId: string, userId: string): void {
    const existing = this.#clients.get(clientId);
    if (existing) {
      if (existing.userId !== userId) throw new Error(`client ${clientId} registered for ${existing.userId}, not ${userId}`);
      return;
    }
    const c: Client = { clientId, userId, deliveries: [] };
    this.#clients.set(clientId, c);
    const list = this.#clientsByUser.get(userId);
    if (list) list.push(c);
    else this.#clientsByUser.set(userId, [c]);
  }

  /** Records a send (or a retry of it: same user and ref). */
  send(r: SendRecord): void {
    const key = sendKey(r.userId, r.ref);
    let s = this.#sends.get(key);
    if (!s) {
      s = { key, ref: r.ref, userId: r.userId, persistent: r.persistent ?? true, outcome: r.outcome, ids: new Set(), seq: undefined };
      this.#sends.set(key, s);
    } else if (RANK[r.outcome] > RANK[s.outcome]) {
      s.outcome = r.outcome;
    }
    if (r.id !== undefined && r.id !== "") {
      s.ids.add(r.id);
      this.#byId.set(r.id, s);
    }
    if (r.seq !== undefined && r.seq > 0 && s.seq === undefined) s.seq = r.seq;
  }

  /** Records one notification received by a logical client over one of its connections. */
  delivered(d: DeliveryRecord): void {
    let c = this.#clients.get(d.clientId);
    if (!c) {
      this.client(d.clientId, d.userId);
      c = this.#clients.get(d.clientId)!;
    }
    c.deliveries.push({ ...d });
    this.#deliveries++;
  }

  /** Records how long a logical client took to be back in session after losing its connection. */
  reconnected(_clientId: string, ms: number): void {
    this.#reconnectMs.push(ms);
  }

  /** The send a delivery is of: by id first, then by (client's user, ref). */
  #match(c: Client, d: DeliveryRecord): Send | undefined {
    return this.#byId.get(d.id) ?? (d.ref !== undefined ? this.#sends.get(sendKey(c.userId, d.ref)) : undefined);
  }

  report(): DeliveryReport {
    const ex: DeliveryReport["examples"] = {
      lost: [],
      duplicatedRaw: [],
      duplicatedAfterDedupe: [],
      unexpected: [],
      deliveredAfterError: [],
      outOfOrder: [],
      seqMismatch: [],
    };
    const note = (list: string[], text: () => string) => {
      if (list.length < MAX_EXAMPLES) list.push(text());
    };
    let duplicatedRaw = 0;
    let duplicatedAfterDedupe = 0;
    let unexpected = 0;
    let deliveredAfterError = 0;
    let outOfOrder = 0;
    let seqMismatch = 0;
    const connections = new Set<string>();
    /** Per client: sends it received (after dedupe by id). */
    const received = new Map<string, Set<Send>>();

    for (const c of this.#clients.values()) {
      const seenIds = new Set<string>();
      const idsPerSend = new Map<Send, Set<string>>();
      const got = new Set<Send>();
      received.set(c.clientId, got);
      let highest = 0;
      for (const d of c.deliveries) {
        connections.add(`${c.clientId}\u0000${d.connectionId}`);
        if (seenIds.has(d.id)) {
          duplicatedRaw++;
          note(ex.duplicatedRaw, () => `${d.id} (seq ${d.seq}) again to ${c.clientId} over ${d.connectionId}`);
          continue;
        }
        seenIds.add(d.id);
        const s = this.#match(c, d);
        if (d.userId !== c.userId || (s !== undefined && s.userId !== c.userId)) {
          unexpected++;
          note(ex.unexpected, () => `${d.id} for user ${d.userId} (send of ${s?.userId ?? "?"}) reached ${c.clientId} of ${c.userId}`);
          continue;
        }
        if (!s) {
          unexpected++;
          note(ex.unexpected, () => `${d.id} (ref ${d.ref ?? "none"}, seq ${d.seq}) to ${c.clientId}: never sent`);
          continue;
        }
        let ids = idsPerSend.get(s);
        if (!ids) idsPerSend.set(s, (ids = new Set()));
        ids.add(d.id);
        if (ids.size > 1) {
          duplicatedAfterDedupe++;
          note(ex.duplicatedAfterDedupe, () => `send ${s.ref} of ${s.userId} reached ${c.clientId} under ids ${[...ids].join(", ")}`);
        }
        if (!got.has(s)) {
          got.add(s);
          if (s.outcome === "error") {
            deliveredAfterError++;
            note(ex.deliveredAfterError, () => `send ${s.ref} of ${s.userId} answered error, delivered to ${c.clientId} as ${d.id}`);
          }
        }
        if (s.seq !== undefined && d.seq !== s.seq && s.ids.has(d.id)) {
          seqMismatch++;
          note(ex.seqMismatch, () => `${d.id} delivered with seq ${d.seq}, answered seq ${s.seq}`);
        }
        if (d.persistent ?? s.persistent) {
          if (d.seq <= highest) {
            outOfOrder++;
            note(ex.outOfOrder, () => `${c.clientId}: seq ${d.seq} after ${highest} (${d.id} over ${d.connectionId})`);
          } else highest = d.seq;
        }
      }
    }

    let sent = 0;
    let okSent = 0;
    let errorSent = 0;
    let unknownSent = 0;
    let persistentOkSent = 0;
    let lost = 0;
    let lostSends = 0;
    let unobserved = 0;
    let ephemeralMissed = 0;
    const conflictingIds = [...this.#sends.values()].filter((s) => s.ids.size > 1).length;
    for (const s of this.#sends.values()) {
      sent++;
      if (s.outcome === "ok") okSent++;
      else if (s.outcome === "error") errorSent++;
      else unknownSent++;
      if (s.outcome !== "ok") continue;
      if (s.persistent) persistentOkSent++;
      const clients = this.#clientsByUser.get(s.userId) ?? [];
      if (clients.length === 0) {
        unobserved++;
        continue;
      }
      let missedBySome = false;
      for (const c of clients) {
        if (received.get(c.clientId)!.has(s)) continue;
        if (s.persistent) {
          lost++;
          missedBySome = true;
          note(
            ex.lost,
            () => `send ${s.ref} (id ${[...s.ids].join("/") || "?"}, seq ${s.seq ?? "?"}) of ${s.userId} never reached ${c.clientId}`,
          );
        } else ephemeralMissed++;
      }
      if (missedBySome) lostSends++;
    }

    const rs = [...this.#reconnectMs].sort((a, b) => a - b);
    return {
      sent,
      okSent,
      errorSent,
      unknownSent,
      persistentOkSent,
      clients: this.#clients.size,
      connections: connections.size,
      deliveries: this.#deliveries,
      lost,
      lostSends,
      unobserved,
      duplicatedRaw,
      duplicatedAfterDedupe,
      conflictingIds,
      unexpected,
      deliveredAfterError,
      outOfOrder,
      seqMismatch,
      ephemeralMissed,
      reconnects: {
        count: rs.length,
        p50: percentile(rs, 50),
        p99: percentile(rs, 99),
        max: rs.length > 0 ? rs[rs.length - 1]! : Number.NaN,
      },
      examples: ex,
    };
  }
}

/** One line summarising a report, for logs. */
export function summarize(r: DeliveryReport): string {
  const ms = (v: number) => (Number.isNaN(v) ? "-" : `${Math.round(v)} ms`);
  return (
    `sent ${r.sent} (ok ${r.okSent}, error ${r.errorSent}, unknown ${r.unknownSent}), deliveries ${r.deliveries} ` +
    `over ${r.connections} connections of ${r.clients} clients; lost ${r.lost} (${r.lostSends} sends), ` +
    `duplicated raw ${r.duplicatedRaw}, after dedupe ${r.duplicatedAfterDedupe}, unexpected ${r.unexpected}, ` +
    `delivered after error ${r.deliveredAfterError}, out of order ${r.outOfOrder}, seq mismatch ${r.seqMismatch}, ` +
    `ephemeral missed ${r.ephemeralMissed}; reconnects ${r.reconnects.count} (p50 ${ms(r.reconnects.p50)}, p99 ${ms(r.reconnects.p99)}, max ${ms(r.reconnects.max)})`
  );
}
