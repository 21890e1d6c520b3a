import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'aftercare'): Logger {
  return pino({ name, level });
}
