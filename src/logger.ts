import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout (pino): one line per event, ready for any log shipper. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'switchboard' } });
}

export const silentLogger: Logger = pino({ level: 'silent' });
