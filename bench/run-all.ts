/**
 * `npm run bench`: every scenario with modest defaults, one after another, each
 * bounded by its own timeouts (and the whole run by a watchdog). Results go to
 * bench/results/<scenario>.{json,svg,md}; see docs/benchmarks.md.
 *
 * Options (flag or BENCH_<NAME> env): --scenarios (default
 * broadcast-1000,broadcast-10000,targeted), --systems (herald,raw,socketio,pg),
 * --watchdog-min (default 30). Each scenario's own options apply too.
 */
import { isMain, listOpt, numOpt } from "./lib/args.js";
import { describeMachine, machineInfo } from "./lib/machine.js";
import { postgresVersion } from "./lib/pg.js";
import { RESULTS_DIR } from "./lib/results.js";
import { broadcastParamsFromArgs, runBroadcast, type BroadcastParams } from "./scenarios/broadcast.js";
import { runTargeted, targetedParamsFromArgs, type TargetedParams } from "./scenarios/targeted-persistent.js";

const SCENARIOS = ["broadcast-1000", "broadcast-10000", "targeted"] as const;

async function main(): Promise<void> {
  const started = Date.now();
  const watchdogMin = numOpt("watchdog-min", 30);
  setTimeout(() => {
    process.stderr.write(`bench: still running after ${watchdogMin} min, giving up\n`);
    process.exit(1);
  }, watchdogMin * 60_000).unref();

  const chosen = listOpt("scenarios", [...SCENARIOS]);
  const systems = listOpt("systems", ["herald", "raw", "socketio", "pg"]);
  const machine = machineInfo();
  machine.postgres = await postgresVersion();
  process.stdout.write(`Herald benchmarks on ${describeMachine(machine)}\n`);

  const failures: string[] = [];
  for (const s of chosen) {
    try {
      if (s === "broadcast-1000" || s === "broadcast-10000") {
        const clients = s === "broadcast-1000" ? 1_000 : 10_000;
        const p: BroadcastParams = {
          ...broadcastParamsFromArgs({ clients }),
          systems: systems.filter((x) => x === "herald" || x === "raw" || x === "socketio") as BroadcastParams["systems"],
        };
        await runBroadcast(p);
      } else if (s === "targeted") {
        const p: TargetedParams = {
          ...targetedParamsFromArgs(),
          systems: systems.filter((x) => x === "herald" || x === "pg") as TargetedParams["systems"],
        };
        await runTargeted(p);
      } else failures.push(`unknown scenario ${s} (known: ${SCENARIOS.join(", ")})`);
    } catch (err) {
      failures.push(`${s}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  process.stdout.write(`\nbench: done in ${Math.round((Date.now() - started) / 1000)} s; results in ${RESULTS_DIR}\n`);
  for (const f of failures) process.stderr.write(`bench: ${f}\n`);
  process.exit(failures.length ? 1 : 0);
}

if (isMain(import.meta.url)) void main();
