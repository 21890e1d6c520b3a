// The process's one logger. JSON lines on stdout for machines (a pipe, a file, a container's log
// collector); readable lines on a terminal. LOG_LEVEL governs it, and the Temporal SDK's own logs
// are routed through it too (runtime/temporal-logging.ts).
import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LoggerOptions = {
  /** Human-readable lines instead of JSON; default: whether stdout is a terminal. */
  pretty?: boolean;
  /** Where the lines go; default stdout. */
  destination?: DestinationStream;
};

/**
 * Personal data never reaches a log line, whatever a caller passes: addresses and names under these
 * keys are censored (a customer is named by id in logs).
 */
const redact = {
  paths: [
    'email',
    'to',
    'toAddress',
    'customerName',
    '*.email',
    '*.to',
    '*.toAddress',
    '*.customerName',
    'properties.name',
    '*.properties.name',
  ],
  censor: '[redacted]',
};

export function createLogger(level: string, name = 'aftercare', options: LoggerOptions = {}): Logger {
  const wantPretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (!wantPretty) return options.destination ? pino({ name, level, redact }, options.destination) : pino({ name, level, redact });
  // A stream in this thread, written synchronously, rather than a worker transport: the last lines
  // before an exit (an error at start-up, "stopping") are on the screen when the process ends.
  return pino(
    { name, level, redact },
    pretty({
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name',
      ...(options.destination ? { destination: options.destination, colorize: false } : {}),
    }),
  );
}
