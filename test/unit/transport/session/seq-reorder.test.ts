import assert from "node:assert/strict";
import { test, vi } from "vitest";
import { SeqReorder } from "../../../../src/transport/session/seq-reorder.js";

const ev = (seq: number) => ({ seq, persistent: seq > 0 });

function harness(holdMs = 10_000) {
  const out: number[] = [];
  const runs: string[] = [];
  const r = new SeqReorder<{ seq: number; persistent: boolean }>({
    emit: (e, runFrom) => {
      out.push(e.seq);
      runs.push(`${e.seq}:${runFrom}`);
    },
    holdMs,
  });
  return { r, out, runs };
}

test("seq reorder: in-order events pass at once; a swapped pair comes out in order; late, duplicate and ephemeral ones pass", () => {
  const { r, out } = harness();
  r.offer(ev(5));
  r.offer(ev(6));
  assert.deepEqual(out, [5, 6]);
  r.offer(ev(8));
  r.offer(ev(0));
  assert.deepEqual(out, [5, 6, 0], "8 waits for 7; an ephemeral one does not wait");
  r.offer(ev(7));
  assert.deepEqual(out, [5, 6, 0, 7, 8]);
  r.offer(ev(6));
  assert.deepEqual(out, [5, 6, 0, 7, 8, 6], "late or duplicate: passed on (each stream drops what it has)");
  r.offer(ev(11));
  r.offer(ev(10));
  r.offer(ev(9));
  assert.deepEqual(out.slice(6), [9, 10, 11]);
  r.dispose();
});

test("seq reorder: a real gap is released in order after the hold, then what follows flows again", () => {
  vi.useFakeTimers();
  const { r, out, runs } = harness(20);
  r.offer(ev(1));
  r.offer(ev(4));
  r.offer(ev(3));
  assert.deepEqual(out, [1]);
  vi.advanceTimersByTime(19);
  assert.deepEqual(out, [1], "held for the hold time");
  vi.advanceTimersByTime(1);
  assert.deepEqual(out, [1, 3, 4], "2 never came: 3 and 4 go out in order (the streams catch 2 up from the store)");
  r.offer(ev(5));
  assert.deepEqual(out, [1, 3, 4, 5]);
  r.offer(ev(7));
  r.flush();
  assert.deepEqual(out, [1, 3, 4, 5, 7], "flush releases at once");
  assert.deepEqual(runs, ["1:1", "3:3", "4:3", "5:3", "7:7"], "each event names the first seq of its gapless run");
  r.offer(ev(8));
  r.breakRun();
  r.offer(ev(9));
  assert.deepEqual(runs.slice(5), ["8:7", "9:9"], "after a fan-out outage a new run starts");
  r.dispose();
  vi.useRealTimers();
});
