import { pino, type Logger } from "pino";

export type { Logger };

/** JSON logs to stdout (pino); one logger per process, created in main and passed down. */
export function createLogger(options: { level: string; nodeId: string }): Logger {
  return pino({ level: options.level, base: { node: options.nodeId } });
}
