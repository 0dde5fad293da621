/**
 * `npm run bench`: every scenario with modest defaults, one after another, each
 * bounded by its own timeouts (and the whole run by a watchdog). Results go to
 * bench/results/<scenario>.{json,svg,md}; see docs/benchmarks.md.
 *
 * Options (flag or BENCH_<NAME> env): --scenarios (default
 * broadcast-1000,broadcast-10000,targeted,latency,idle,growth,room), --systems
 * (herald,raw,socketio,pg), --watchdog-min (default 30). Each scenario's own
 * options apply too; run from here, scenario 3 defaults to --latency-seconds 10
 * per configuration (30 alone), scenario 4 to --idle-connections 50,000 and
 * scenario 5 to --growth-rows-per-user 10 (20 alone), to keep the whole run
 * near ten minutes.
 */
import { isMain, listOpt, numOpt } from "./lib/args.js";
import { describeMachine, machineInfo } from "./lib/machine.js";
import { postgresVersion } from "./lib/pg.js";
import { RESULTS_DIR } from "./lib/results.js";
import { broadcastParamsFromArgs, runBroadcast, type BroadcastParams } from "./scenarios/broadcast.js";
import { runTargeted, targetedParamsFromArgs, type TargetedParams } from "./scenarios/targeted-persistent.js";
import { latencyParamsFromArgs, runLatency, type LatencyParams } from "./scenarios/latency-fixed-rate.js";
import { idleParamsFromArgs, runIdle, type IdleParams } from "./scenarios/idle-connections.js";
import { growthParamsFromArgs, runGrowth, type GrowthParams } from "./scenarios/cost-growth.js";
import { roomParamsFromArgs, runRoom, type RoomParams } from "./scenarios/room.js";

const SCENARIOS = ["broadcast-1000", "broadcast-10000", "targeted", "latency", "idle", "growth", "room"] as const;

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
      } else if (s === "latency") {
        const p: LatencyParams = {
          ...latencyParamsFromArgs({ seconds: numOpt("latency-seconds", 10) }),
          systems: systems.filter((x) => x === "herald" || x === "raw") as LatencyParams["systems"],
        };
        await runLatency(p);
      } else if (s === "idle") {
        const p: IdleParams = {
          ...idleParamsFromArgs({ maxConnections: numOpt("idle-connections", 50_000) }),
          systems: systems.filter((x) => x === "herald" || x === "raw") as IdleParams["systems"],
        };
        await runIdle(p);
      } else if (s === "growth") {
        const p: GrowthParams = {
          ...growthParamsFromArgs({ rowsPerUser: numOpt("growth-rows-per-user", 10) }),
          systems: systems.filter((x) => x === "herald" || x === "pg") as GrowthParams["systems"],
        };
        await runGrowth(p);
      } else if (s === "room") {
        const p: RoomParams = {
          ...roomParamsFromArgs({ clients: 1_000 }),
          systems: systems.filter((x) => x === "herald" || x === "raw") as RoomParams["systems"],
        };
        await runRoom(p);
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
