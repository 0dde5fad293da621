import assert from "node:assert/strict";
import { describe, test } from "vitest";
import { DeliveryChecker, summarize, type DeliveryRecord } from "../support/delivery-checker.js";

/** A delivery of send `ref` (id `id-<ref>`, seq) to client `c` of user `u` over connection `conn`. */
function dlv(c: string, u: string, ref: string, seq: number, conn = "c1", extra: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return { clientId: c, connectionId: conn, userId: u, id: `id-${ref}`, seq, ref, persistent: seq > 0, ...extra };
}

/** n persistent OK sends to user u, refs `${u}-1..n`, seqs 1..n. */
function sendMany(k: DeliveryChecker, u: string, n: number): void {
  for (let i = 1; i <= n; i++) k.send({ ref: `${u}-${i}`, userId: u, outcome: "ok", id: `id-${u}-${i}`, seq: i });
}

describe("DeliveryChecker", () => {
  test("everything delivered once, in order: all counts zero", () => {
    const k = new DeliveryChecker();
    k.client("a1", "a");
    k.client("a2", "a");
    sendMany(k, "a", 3);
    for (const c of ["a1", "a2"]) for (let i = 1; i <= 3; i++) k.delivered(dlv(c, "a", `a-${i}`, i));
    const r = k.report();
    assert.equal(r.sent, 3);
    assert.equal(r.okSent, 3);
    assert.equal(r.persistentOkSent, 3);
    assert.equal(r.deliveries, 6);
    assert.equal(r.clients, 2);
    assert.equal(r.connections, 2);
    for (const f of [
      "lost",
      "lostSends",
      "duplicatedRaw",
      "duplicatedAfterDedupe",
      "unexpected",
      "outOfOrder",
      "seqMismatch",
      "deliveredAfterError",
      "unobserved",
    ] as const)
      assert.equal(r[f], 0, f);
    assert.match(summarize(r), /lost 0/);
  });

  test("lost counts (send, client) pairs; lostSends counts sends; users without clients are unobserved", () => {
    const k = new DeliveryChecker();
    k.client("a1", "a");
    k.client("a2", "a");
    sendMany(k, "a", 3);
    sendMany(k, "nobody", 2);
    k.delivered(dlv("a1", "a", "a-1", 1));
    k.delivered(dlv("a1", "a", "a-2", 2));
    k.delivered(dlv("a1", "a", "a-3", 3));
    k.delivered(dlv("a2", "a", "a-1", 1));
    const r = k.report();
    assert.equal(r.lost, 2, "a2 missed a-2 and a-3");
    assert.equal(r.lostSends, 2);
    assert.equal(r.unobserved, 2);
    assert.equal(r.examples.lost.length, 2);
    assert.match(r.examples.lost[0]!, /a-2.*a2/);
  });

  test("a send answered error or unknown is never lost; an error send delivered anyway is reported", () => {
    const k = new DeliveryChecker();
    k.client("a1", "a");
    k.send({ ref: "e", userId: "a", outcome: "error" });
    k.send({ ref: "u", userId: "a", outcome: "unknown" });
    k.send({ ref: "u2", userId: "a", outcome: "unknown" });
    k.delivered(dlv("a1", "a", "u", 1, "c1", { id: "server-id-u" }));
    k.delivered(dlv("a1", "a", "e", 2, "c1", { id: "server-id-e" }));
    const r = k.report();
    assert.equal(r.lost, 0);
    assert.equal(r.errorSent, 1);
    assert.equal(r.unknownSent, 2);
    assert.equal(r.unexpected, 0, "unknown-outcome sends matched by ref, not unexpected");
    assert.equal(r.deliveredAfterError, 1);
  });

  test("a retry with the same ref upgrades the outcome; two ids answered for one send are conflicting", () => {
    const k = new DeliveryChecker();
    k.client("a1", "a");
    k.send({ ref: "r", userId: "a", outcome: "error" });
    k.send({ ref: "r", userId: "a", outcome: "ok", id: "x", seq: 1 });
    k.send({ ref: "r", userId: "a", outcome: "error" }); // a later failure does not downgrade
    let r = k.report();
    assert.equal(r.sent, 1);
    assert.equal(r.okSent, 1);
    assert.equal(r.lost, 1);
    assert.equal(r.conflictingIds, 0);
    k.send({ ref: "r", userId: "a", outcome: "ok", id: "y", seq: 2 });
    r = k.report();
    assert.equal(r.conflictingIds, 1);
  });

  test("duplicatedRaw: the same id again to one logical client, across its reconnects; other clients do not count", () => {
    const k = new DeliveryChecker();
    sendMany(k, "a", 3);
    k.delivered(dlv("a1", "a", "a-1", 1, "conn1"));
    k.delivered(dlv("a1", "a", "a-2", 2, "conn1"));
    // reconnects, resumes from seq 1: a-2 again
    k.delivered(dlv("a1", "a", "a-2", 2, "conn2"));
    k.delivered(dlv("a1", "a", "a-3", 3, "conn2"));
    k.delivered(dlv("a1", "a", "a-3", 3, "conn2"));
    for (let i = 1; i <= 3; i++) k.delivered(dlv("a2", "a", `a-${i}`, i));
    const r = k.report();
    assert.equal(r.duplicatedRaw, 2);
    assert.equal(r.duplicatedAfterDedupe, 0);
    assert.equal(r.outOfOrder, 0, "a dropped duplicate does not count as going backwards");
    assert.equal(r.lost, 0);
    assert.equal(r.connections, 3);
  });

  test("duplicatedAfterDedupe: one send stored twice (two ids, same ref) reaching one client", () => {
    const k = new DeliveryChecker();
    k.client("a1", "a");
    k.send({ ref: "r", userId: "a", outcome: "ok", id: "x", seq: 1 });
    k.delivered(dlv("a1", "a", "r", 1, "c1", { id: "x" }));
    k.delivered(dlv("a1", "a", "r", 2, "c1", { id: "y" }));
    k.delivered(dlv("a1", "a", "r", 2, "c1", { id: "y" }));
    const r = k.report();
    assert.equal(r.duplicatedAfterDedupe, 1);
    assert.equal(r.duplicatedRaw, 1);
    assert.equal(r.unexpected, 0);
    assert.equal(r.lost, 0);
    assert.match(r.examples.duplicatedAfterDedupe[0]!, /x, y/);
  });

  test("unexpected: an id never sent, or a notification for another user", () => {
    const k = new DeliveryChecker();
    k.client("a1", "a");
    k.client("b1", "b");
    sendMany(k, "a", 1);
    sendMany(k, "b", 1);
    k.delivered(dlv("a1", "a", "a-1", 1));
    k.delivered(dlv("a1", "a", "ghost", 2, "c1", { ref: undefined }));
    k.delivered(dlv("a1", "b", "b-1", 1)); // b's notification on a's connection
    k.delivered(dlv("b1", "b", "a-1", 1, "c1", { userId: "b" })); // labelled b, but the id is a's send
    k.delivered(dlv("b1", "b", "b-1", 1));
    const r = k.report();
    assert.equal(r.unexpected, 3);
    assert.equal(r.lost, 0);
    assert.equal(r.outOfOrder, 0);
  });

  test("outOfOrder: per logical client, seq going backwards after dedupe by id; ephemeral ones are ignored", () => {
    const k = new DeliveryChecker();
    sendMany(k, "a", 4);
    k.send({ ref: "eph", userId: "a", outcome: "ok", persistent: false, id: "id-eph" });
    k.delivered(dlv("a1", "a", "a-1", 1));
    k.delivered(dlv("a1", "a", "a-3", 3));
    k.delivered(dlv("a1", "a", "eph", 0, "c1", { persistent: false }));
    k.delivered(dlv("a1", "a", "a-2", 2));
    k.delivered(dlv("a1", "a", "a-4", 4));
    // another client sees them in order: independent
    for (let i = 1; i <= 4; i++) k.delivered(dlv("a2", "a", `a-${i}`, i));
    const r = k.report();
    assert.equal(r.outOfOrder, 1);
    assert.match(r.examples.outOfOrder[0]!, /seq 2 after 3/);
    assert.equal(r.lost, 0);
    assert.equal(r.ephemeralMissed, 1, "a2 never got the ephemeral one");
  });

  test("seqMismatch: delivered with another seq than answered", () => {
    const k = new DeliveryChecker();
    sendMany(k, "a", 2);
    k.delivered(dlv("a1", "a", "a-1", 1));
    k.delivered(dlv("a1", "a", "a-2", 5));
    assert.equal(k.report().seqMismatch, 1);
  });

  test("reconnect latencies: count, p50, p99 and max (nearest rank)", () => {
    const k = new DeliveryChecker();
    assert.ok(Number.isNaN(k.report().reconnects.p99));
    for (let i = 1; i <= 100; i++) k.reconnected(`c${i}`, i);
    const r = k.report().reconnects;
    assert.deepEqual(r, { count: 100, p50: 50, p99: 99, max: 100 });
  });

  test("a client registered for one user cannot be registered for another", () => {
    const k = new DeliveryChecker();
    k.client("c", "a");
    k.client("c", "a");
    assert.throws(() => k.client("c", "b"), /registered for a/);
  });

  test("10,000 sends to 1,000 users with 2 clients each and reconnect duplicates: report is fast and exact", () => {
    const k = new DeliveryChecker();
    const users = 1000;
    for (let u = 0; u < users; u++) {
      k.client(`u${u}-a`, `u${u}`);
      k.client(`u${u}-b`, `u${u}`);
      sendMany(k, `u${u}`, 10);
    }
    for (let u = 0; u < users; u++) {
      for (let i = 1; i <= 10; i++) k.delivered(dlv(`u${u}-a`, `u${u}`, `u${u}-${i}`, i));
      // b loses its connection after seq 5 and resumes from 4: seq 5 again
      for (let i = 1; i <= 5; i++) k.delivered(dlv(`u${u}-b`, `u${u}`, `u${u}-${i}`, i, "c1"));
      for (let i = 5; i <= 10; i++) k.delivered(dlv(`u${u}-b`, `u${u}`, `u${u}-${i}`, i, "c2"));
    }
    const t0 = performance.now();
    const r = k.report();
    const ms = performance.now() - t0;
    assert.equal(r.sent, 10_000);
    assert.equal(r.lost, 0);
    assert.equal(r.duplicatedRaw, 1000);
    assert.equal(r.duplicatedAfterDedupe, 0);
    assert.equal(r.outOfOrder, 0);
    assert.equal(r.deliveries, 21_000);
    assert.equal(r.connections, 3000);
    assert.ok(ms < 1000, `report took ${ms} ms`);
  });
});
