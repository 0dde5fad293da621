import assert from "node:assert/strict";
import { afterEach, beforeEach, test, vi } from "vitest";
import { TYPING_MIN_INTERVAL_MS, TypingGate } from "../../../../src/transport/session/typing-gate.js";
import { TYPING_TIMEOUT_MS, TypingTracker } from "../../../../src/transport/session/typing-tracker.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function tracker() {
  const emitted: string[] = [];
  const t = new TypingTracker({ emit: (user, typing, except) => emitted.push(`${user}:${typing ? "start" : "stop"}:${except}`) });
  return { t, emitted };
}

test("typing tracker: a start is forwarded once, refreshes only keep it on, a stop ends it once", () => {
  const { t, emitted } = tracker();
  t.typing("ann", true, "s1");
  t.typing("ann", true, "s1");
  t.typing("ann", true, "s1");
  assert.deepEqual(emitted, ["ann:start:s1"]);
  t.typing("ann", false, "s1");
  t.typing("ann", false, "s1");
  assert.deepEqual(emitted, ["ann:start:s1", "ann:stop:s1"]);
  assert.equal(t.size, 0);
});

test("typing tracker: a start not refreshed becomes a stop after TYPING_TIMEOUT_MS, not before; refreshes push it back", () => {
  const { t, emitted } = tracker();
  t.typing("bo", true, "s2");
  vi.advanceTimersByTime(TYPING_TIMEOUT_MS - 100);
  t.typing("bo", true, "s2"); // a refresh re-arms the timeout
  vi.advanceTimersByTime(TYPING_TIMEOUT_MS - 100);
  assert.deepEqual(emitted, ["bo:start:s2"], "still typing: refreshed in time");
  vi.advanceTimersByTime(200);
  assert.deepEqual(emitted, ["bo:start:s2", "bo:stop:s2"], "the stop, by itself");
  t.typing("bo", false, "s2");
  assert.equal(emitted.length, 2, "a late stop is not forwarded again");
  t.typing("bo", true, "s2");
  assert.equal(emitted.at(-1), "bo:start:s2", "a new start after the timeout is forwarded");
});

test("typing tracker: users are independent; clear forgets everyone without a word", () => {
  const { t, emitted } = tracker();
  t.typing("a", true, "x");
  t.typing("b", true, "y");
  t.typing("a", false, "x");
  assert.deepEqual(emitted, ["a:start:x", "b:start:y", "a:stop:x"]);
  t.clear();
  vi.advanceTimersByTime(TYPING_TIMEOUT_MS * 2);
  assert.equal(emitted.length, 3);
});

test("typing tracker: a user typing on two connections stops only when both have stopped or timed out", () => {
  const { t, emitted } = tracker();
  t.typing("cy", true, "phone");
  t.typing("cy", true, "laptop");
  assert.deepEqual(emitted, ["cy:start:phone"], "one start for the user");
  t.typing("cy", false, "phone");
  assert.deepEqual(emitted, ["cy:start:phone"], "still typing on the laptop");
  vi.advanceTimersByTime(TYPING_TIMEOUT_MS + 1);
  assert.deepEqual(emitted, ["cy:start:phone", "cy:stop:laptop"], "the laptop's timeout ends it");
  assert.equal(t.size, 0);
});

test("typing gate: a start is forwarded at most once per TYPING_MIN_INTERVAL_MS per room; a stop only after a forwarded start", () => {
  let now = 0;
  const g = new TypingGate(() => now);
  assert.equal(g.request("r", false), false, "nothing to stop");
  assert.equal(g.request("r", true), true);
  now += TYPING_MIN_INTERVAL_MS - 1;
  assert.equal(g.request("r", true), false, "a refresh within the interval is not forwarded");
  assert.equal(g.request("other", true), true, "another room has its own interval");
  now += 1;
  assert.equal(g.request("r", true), true, "after the interval it is");
  assert.equal(g.request("r", false), true);
  assert.equal(g.request("r", false), false, "stopped already");
  assert.equal(g.request("r", true), false, "a start right after a stop waits for the interval");
  assert.equal(g.release("r"), false, "not typing: no stop owed");
  now += TYPING_MIN_INTERVAL_MS;
  assert.equal(g.request("r", true), true);
  assert.equal(g.release("r"), true, "typing when the connection left: a stop is owed");
  assert.equal(g.request("r", true), true, "released: a new start is forwarded");
});
