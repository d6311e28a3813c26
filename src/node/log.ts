import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logger (pino). Levels: trace|debug|info|warn|error|fatal|silent.
 * The seed's `log.level: development` is accepted as an alias of `debug`.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const normalized = level === 'development' ? 'debug' : level === 'production' ? 'info' : level;
  return pino({ name, level: normalized, base: { node: name }, timestamp: pino.stdTimeFunctions.isoTime });
}
