import assert from "node:assert/strict";
import { test } from "vitest";
import { ConnectionLimiter } from "../../../../src/transport/ws/connection-limiter.js";
import { KeyedBuckets } from "../../../../src/transport/session/keyed-buckets.js";

test("keyed buckets: each key has its own burst and refills at the rate; a debt is repaid at the same rate", () => {
  let now = 0;
  const b = new KeyedBuckets({ ratePerSec: 10, burst: 3, now: () => now });
  assert.ok(b.take("a") && b.take("a") && b.take("a"));
  assert.equal(b.take("a"), false);
  assert.ok(b.take("b"), "another key is not affected");
  now = 100; // one token back
  assert.ok(b.take("a"));
  assert.equal(b.take("a"), false);
  b.charge("c", 23); // 3 - 23 = -20: two seconds of debt
  assert.equal(b.level("c"), -20);
  assert.equal(b.msUntilPositive("c"), 2001);
  now += 2000;
  assert.equal(b.msUntilPositive("c"), 1);
  now += 50;
  assert.equal(b.msUntilPositive("c"), 0);
});

test("keyed buckets: entries whose bucket has refilled are dropped, so memory follows the active keys only", () => {
  let now = 0;
  const b = new KeyedBuckets({ ratePerSec: 1, burst: 2, now: () => now, sweepEveryMs: 1000 });
  for (let i = 0; i < 10_000; i++) b.take(`ip-${i}`);
  b.charge("debtor", 100);
  assert.equal(b.size, 10_001);
  now = 1500; // every ip-* bucket is full again (1 + 1.5 s x 1/s), the debtor's is not
  b.level("x");
  assert.equal(b.size, 1);
  assert.ok(b.level("debtor") < 0, "a key in debt keeps its debt");
  assert.equal(b.level("ip-1"), 2, "a dropped key starts with a full bucket, as it would have");
});

test("connection limiter: per-address and per-user rates (0 = unlimited) and a cap on unauthenticated connections", () => {
  const l = new ConnectionLimiter({ perIp: { ratePerSec: 1, burst: 2 }, perUser: { ratePerSec: 0, burst: 1 }, maxUnauthenticated: 2 });
  assert.deepEqual([l.admitIp("1.2.3.4"), l.admitIp("1.2.3.4"), l.admitIp("1.2.3.4"), l.admitIp("5.6.7.8")], [true, true, false, true]);
  for (let i = 0; i < 1000; i++) assert.ok(l.admitUser("u"), "no per-user limit with a rate of 0");
  const r1 = l.takeUnauthenticated();
  const r2 = l.takeUnauthenticated();
  assert.ok(r1 && r2);
  assert.equal(l.takeUnauthenticated(), null, "at the cap");
  r1();
  r1(); // a second release gives nothing back
  assert.equal(l.unauthenticated, 1);
  const r3 = l.takeUnauthenticated();
  assert.ok(r3);
  assert.equal(l.takeUnauthenticated(), null);
});
