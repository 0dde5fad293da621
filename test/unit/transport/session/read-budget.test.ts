import assert from "node:assert/strict";
import { test } from "vitest";
import { HeraldError } from "../../../../src/domain/errors.js";
import { ReadBudget } from "../../../../src/transport/session/read-budget.js";

const bytes = (n: number) => async () => n;
const cost = (n: number) => n;

test("read budget: a request runs while the budget is above zero, is charged what it read, and is refused while in debt", async () => {
  let now = 0;
  const budget = new ReadBudget({ bytesPerSec: 1000, burstBytes: 1000, now: () => now });
  assert.equal(await budget.request("u", bytes(3000), cost), 3000, "a read larger than what is left still runs once");
  await assert.rejects(budget.request("u", bytes(1), cost), (err: unknown) => {
    assert.ok(err instanceof HeraldError);
    assert.equal(err.code, "resource_exhausted");
    assert.match(err.message, /retry in 2 s/);
    return true;
  });
  assert.equal(await budget.request("other", bytes(10), cost), 10, "another user's budget is its own");
  now = 2001;
  assert.equal(await budget.request("u", bytes(10), cost), 10, "the debt is repaid at the rate");
});

test("read budget: one user's reads run one at a time; another user's run alongside", async () => {
  const budget = new ReadBudget({ bytesPerSec: 1e9, burstBytes: 1e9 });
  const running: string[] = [];
  let peak = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const read = (who: string) => async () => {
    running.push(who);
    peak = Math.max(peak, running.filter((w) => w === "u").length);
    await gate;
    running.splice(running.indexOf(who), 1);
    return 1;
  };
  const all = [budget.request("u", read("u"), cost), budget.request("u", read("u"), cost), budget.paced("u", read("u"), cost, () => false)];
  const v = budget.request("v", read("v"), cost);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(running.sort(), ["u", "v"], "one read of u and the read of v run; u's others wait");
  release();
  await Promise.all([...all, v]);
  assert.equal(peak, 1);
});

test("read budget: a paced read waits for the budget instead of failing, and gives up without reading once cancelled", async () => {
  const budget = new ReadBudget({ bytesPerSec: 100_000, burstBytes: 1000 });
  await budget.request("u", bytes(11_000), cost); // 10,000 bytes of debt: 100 ms
  const t0 = performance.now();
  assert.equal(await budget.paced("u", bytes(5), cost, () => false), 5);
  const waited = performance.now() - t0;
  assert.ok(waited >= 90, `waited ${waited.toFixed(0)} ms for 100 ms of debt`);

  await budget.request("w", bytes(101_000), cost).catch(() => undefined); // one second of debt
  let cancelled = false;
  let reads = 0;
  const p = budget.paced(
    "w",
    async () => ++reads,
    cost,
    () => cancelled,
  );
  cancelled = true;
  assert.equal(await p, undefined);
  assert.equal(reads, 0);
});
