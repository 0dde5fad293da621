import assert from "node:assert/strict";
import { test } from "vitest";
import { FLOOD_WINDOW_MS, RateLimiter } from "../../../../src/transport/session/rate-limiter.js";

test("rate limiter: a paced flood at 40x the rate is flagged although requests get through in between", () => {
  const limiter = new RateLimiter({ ratePerSec: 50, burst: 100, now: 0 });
  let accepted = 0;
  let refused = 0;
  let t = 0;
  // 2,000 requests/s for at most 2 s.
  for (; t < 2000 && !limiter.flooding; t += 0.5) limiter.take(t) ? accepted++ : refused++;
  assert.ok(limiter.flooding, `flagged (accepted ${accepted}, refused ${refused})`);
  assert.equal(refused, 101);
  assert.ok(t < 200, `flagged within ${t} ms`);
});

test("rate limiter: a client slightly over the rate (one refusal a second) is not a flood", () => {
  const limiter = new RateLimiter({ ratePerSec: 1, burst: 20, now: 0 });
  for (let i = 0; i < 20; i++) assert.ok(limiter.take(0));
  // Two requests a second against a rate of one: half refused, about 10 per window, never more than the burst.
  let t = 0;
  for (let i = 0; i < 60; i++) {
    t += 1000;
    assert.equal(limiter.take(t), true);
    assert.equal(limiter.take(t), false);
    assert.equal(limiter.flooding, false, `at ${t} ms`);
  }
  assert.ok(t > 5 * FLOOD_WINDOW_MS);
});
