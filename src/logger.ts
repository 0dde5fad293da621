import { pino } from "pino";
import type { Logger } from "./domain/logger.js";

export type { Logger };

/** JSON logs to stdout (pino); one logger per process, created in main and passed down. */
export function createLogger(options: { level: string; nodeId: string }): Logger {
  return pino({ level: options.level, base: { node: options.nodeId } });
}
