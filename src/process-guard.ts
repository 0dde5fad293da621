import type { Logger } from "./logger.js";

/**
 * The last line of defence of a serving process: a promise rejection nobody
 * handled, or an exception thrown out of an event handler, is logged and
 * the node keeps serving. Node's default is to exit,
 * and one client's input that reached such a path took every node down.
 * Every such log line is a bug to fix at its cause. Returns the uninstaller.
 */
export function installProcessGuard(options: { log: Logger }): () => void {
  const { log } = options;
  const onRejection = (reason: unknown) => {
    log.error({ err: reason }, "unhandled promise rejection (bug); the node keeps serving");
  };
  const onException = (err: Error) => {
    log.error({ err }, "uncaught exception (bug); the node keeps serving");
  };
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}
