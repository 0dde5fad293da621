import assert from "node:assert/strict";
import { test } from "vitest";
import type { Notification } from "../../../../src/domain/notification.js";
import { CATCH_UP_PAGE, OrderedStream } from "../../../../src/transport/session/ordered-stream.js";

const note = (seq: number, persistent = true): Notification => ({
  id: `n${seq}-${persistent}`,
  userId: "u",
  seq: persistent ? seq : 0,
  code: 1,
  subject: "",
  content: {},
  senderId: "",
  persistent,
  createdAt: new Date(0),
  readAt: null,
  expireAt: null,
  ackAt: null,
});

/** A stream over an in-memory store of seqs; `pushed` records what reached the consumer. */
function harness(stored: number[]) {
  const pushed: number[] = [];
  const reads: number[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const stream = new OrderedStream({
    read: async (after, limit) => {
      reads.push(after);
      if (gate) await gate;
      return stored
        .filter((s) => s > after)
        .slice(0, limit)
        .map((s) => note(s));
    },
    push: (n) => pushed.push(n.seq),
    isClosed: () => false,
    congested: () => false,
    drained: async () => {},
    failed: (err) => {
      throw err;
    },
  });
  const hold = () => {
    gate = new Promise((r) => (release = r));
  };
  const letGo = () => {
    gate = undefined;
    release?.();
  };
  return { stream, pushed, reads, hold, letGo };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

test("ordered stream: queues until opened, catches up from the start point, then merges the queue in seq order, each once", async () => {
  const h = harness([1, 2, 3, 4]);
  h.stream.offer(note(4));
  h.stream.offer(note(5));
  assert.deepEqual(h.pushed, [], "nothing before open");
  h.stream.open(1);
  await settle();
  assert.deepEqual(h.pushed, [2, 3, 4, 5]);
  assert.equal(h.stream.lastSeq, 5);
});

test("ordered stream: the next seq is pushed at once, an old one dropped, a skip ahead fills the gap from the store", async () => {
  const h = harness([1, 2, 3, 4, 5]);
  h.stream.open(0);
  await settle();
  assert.deepEqual(h.pushed, [1, 2, 3, 4, 5]);
  h.stream.offer(note(6));
  h.stream.offer(note(6));
  h.stream.offer(note(3));
  assert.deepEqual(h.pushed.slice(5), [6], "in order: pushed synchronously, duplicates dropped");
  h.stream.offer(note(0, false));
  assert.equal(h.pushed.at(-1), 0, "an ephemeral one goes straight through");
  const stored = [1];
  const g = harness(stored);
  g.stream.open(0);
  await settle();
  stored.push(2, 3, 4); // committed; 2 and 3 were published while the fan-out was down
  g.stream.offer(note(4));
  assert.deepEqual(g.pushed, [1], "4 waits for the gap");
  await settle();
  assert.deepEqual(g.pushed, [1, 2, 3, 4]);
});

test("ordered stream: a catch-up larger than a page reads page by page", async () => {
  const seqs = Array.from({ length: CATCH_UP_PAGE * 2 + 5 }, (_, i) => i + 1);
  const h = harness(seqs);
  h.stream.open(0);
  await settle();
  assert.deepEqual(h.pushed, seqs);
  assert.deepEqual(h.reads, [0, CATCH_UP_PAGE, CATCH_UP_PAGE * 2]);
});

test("ordered stream: a gap left by a notification offered before the catch-up read is real (not re-read forever)", async () => {
  // Seq 2 was deleted: the store has 1 and 3; 3 arrives live before the read.
  const h = harness([1, 3]);
  h.hold();
  h.stream.open(0);
  h.stream.offer(note(3));
  h.letGo();
  await settle();
  assert.deepEqual(h.pushed, [1, 3]);
  assert.equal(h.reads.length, 1);
});

test("ordered stream: an item the consumer does not want (filtered out) moves the seq on: no push, and no read for the next", async () => {
  const stored = [1, 2, 3, 4];
  const h = harness(stored);
  h.stream.open(0);
  await settle();
  stored.push(5, 6);
  h.stream.offer(note(5), false);
  h.stream.offer(note(6));
  assert.deepEqual(h.pushed, [1, 2, 3, 4, 6]);
  assert.equal(h.stream.lastSeq, 6);
  assert.deepEqual(h.reads, [0], "5 was seen, so 6 is no gap");
  h.stream.offer(note(0, false), false);
  assert.deepEqual(h.pushed, [1, 2, 3, 4, 6], "an unwanted ephemeral one is dropped");

  // Queued during a catch-up: merged as seen, not pushed.
  const g = harness([1, 2]);
  g.hold();
  g.stream.open(0);
  g.stream.offer(note(3), false);
  g.stream.offer(note(4));
  g.letGo();
  await settle();
  assert.deepEqual(g.pushed, [1, 2, 4]);
  assert.deepEqual(g.reads, [0]);
});

test("ordered stream: a skip inside a run the caller vouches for (runFrom) is no gap; one before the run is", async () => {
  const stored = [1, 2, 3];
  const h = harness(stored);
  h.stream.open(0);
  await settle();
  stored.push(4, 5, 6, 7, 8, 9, 10);
  h.stream.offer(note(7), true, 4);
  assert.deepEqual(h.pushed, [1, 2, 3, 7], "4..6 were offered to others, ruled out here: 7 goes at once");
  assert.deepEqual(h.reads, [0]);
  h.stream.offer(note(10), true, 9);
  assert.deepEqual(h.pushed, [1, 2, 3, 7], "8 is before the run: a real gap, read from the store");
  await settle();
  assert.deepEqual(h.pushed, [1, 2, 3, 7, 8, 9, 10]);
  assert.deepEqual(h.reads, [0, 7]);

  // Queued during a catch-up: merged the same way.
  const g = harness([1, 2]);
  g.hold();
  g.stream.open(0);
  g.stream.offer(note(5), true, 3);
  g.letGo();
  await settle();
  assert.deepEqual(g.pushed, [1, 2, 5]);
  assert.deepEqual(g.reads, [0]);
});

test("ordered stream: opened at the store's newest seq it reads nothing; a gap queued meanwhile is still filled from the store", async () => {
  const h = harness([1, 2, 3]);
  h.stream.offer(note(4));
  h.stream.open(3, 3);
  await settle();
  assert.deepEqual(h.pushed, [4], "the queued next seq, no read");
  assert.deepEqual(h.reads, []);

  // 5 and 6 were committed after the newest seq was read; only 6's publish arrived before open.
  const g = harness([1, 2, 3, 4, 5, 6]);
  g.stream.offer(note(6));
  g.stream.open(4, 4);
  await settle();
  assert.deepEqual(g.pushed, [5, 6], "the gap before a queued item is read, not skipped");
  assert.deepEqual(g.reads, [4]);
});
