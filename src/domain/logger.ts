/** One log method: structured fields first, then the message; or a message alone. */
export interface LogMethod {
  (fields: object, msg?: string): void;
  (msg: string): void;
}

/**
 * The one logger type of Herald. Defined here so that the domain needs no
 * logging library; pino's logger (src/logger.ts) satisfies it, and every part
 * of the node takes this type.
 */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}
