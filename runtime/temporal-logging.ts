// The Temporal SDK's logs through our logger. Three sources, one destination:
// - the TypeScript side of the SDK (worker lifecycle, the workflow bundler and its webpack listing,
//   activity failures) and the Workflow/Activity context loggers write to the Runtime's logger;
// - Core (Rust) logs are forwarded to that same logger instead of being printed to the console;
// - all of it lands in our pino logger, so LOG_LEVEL and the JSON/pretty choice rule it.
// The SDK's own INFO lines (worker state changes, "bundle created", the webpack module listing) are
// lifecycle detail for an operator of Aftercare, so they are logged at debug; warnings and errors
// keep their level. Lines written by our workflows and activities (context loggers) keep theirs.
import {
  IllegalStateError,
  type LogLevel,
  type LogMetadata,
  LogTimestamp,
  Runtime,
  type Logger as TemporalLogger,
} from '@temporalio/worker';
import type { Logger } from './logger.ts';

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Components whose lines come from our own code through the SDK's context loggers. */
const OUR_COMPONENTS = new Set(['workflow', 'activity', 'nexus']);

const NO_WORKFLOWS = 'No workflows registered, not polling for workflow tasks';
const activityOnlyQueues = new Set<string>();

/**
 * Declares a task queue whose worker deliberately registers no workflows (the email queue): the SDK's
 * warning that such a worker does not poll for workflow tasks is then a debug line. A worker of any
 * other queue without workflows still warns.
 */
export function declareActivityOnlyTaskQueue(taskQueue: string): void {
  activityOnlyQueues.add(taskQueue);
}

function levelFor(level: LogLevel, message: string, meta: Record<string, unknown>): PinoLevel {
  const component = typeof meta['sdkComponent'] === 'string' ? meta['sdkComponent'] : undefined;
  if (component && OUR_COMPONENTS.has(component)) return level.toLowerCase() as PinoLevel;
  if (level === 'WARN' && message === NO_WORKFLOWS && activityOnlyQueues.has(String(meta['taskQueue']))) return 'debug';
  switch (level) {
    case 'ERROR':
      return 'error';
    case 'WARN':
      return 'warn';
    case 'INFO':
      return 'debug';
    case 'DEBUG':
      // Core's debug stream is per poll and per activation.
      return component === 'core' ? 'trace' : 'debug';
    default:
      return 'trace';
  }
}

/** A Temporal `Logger` writing to a pino logger (child `{ component: 'temporal' }`). */
export function temporalLogger(logger: Logger): TemporalLogger {
  const target = logger.child({ component: 'temporal' });
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const { [LogTimestamp]: _timestamp, ...fields }: Record<string | symbol, unknown> = meta ?? {};
    const pinoLevel = levelFor(level, message, fields);
    if (!target.isLevelEnabled(pinoLevel)) return;
    // pino serializes errors under `err`; the SDK passes them as `error`.
    if (fields['error'] instanceof Error && fields['err'] === undefined) {
      fields['err'] = fields['error'];
      delete fields['error'];
    }
    target[pinoLevel](fields, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/** Core's log filter for a LOG_LEVEL: only what can survive the mapping above is forwarded. */
export function coreLogFilter(level: string): { core: LogLevel; other: LogLevel } {
  switch (level) {
    case 'trace':
      return { core: 'TRACE', other: 'WARN' };
    case 'debug':
      return { core: 'INFO', other: 'ERROR' };
    case 'info':
    case 'warn':
      return { core: 'WARN', other: 'ERROR' };
    default:
      return { core: 'ERROR', other: 'ERROR' };
  }
}

let installedWith: Logger | null = null;

/**
 * Routes the Temporal SDK's logging (TypeScript side and Core) through `logger`, at `logger.level`.
 * Call it once at start-up, before any NativeConnection or Worker is created (the SDK's Runtime is a
 * per-process singleton, created by the first of them). Later calls do nothing and return true.
 * Returns false, changing nothing, when a Runtime was already created by other code.
 */
export function installTemporalLogging(logger: Logger): boolean {
  if (installedWith) return true;
  try {
    Runtime.install({
      logger: temporalLogger(logger),
      telemetryOptions: { logging: { filter: coreLogFilter(logger.level), forward: {} } },
    });
  } catch (error) {
    if (!(error instanceof IllegalStateError)) throw error;
    logger.debug({ err: error }, 'Temporal runtime already created; its logging is left as it is');
    return false;
  }
  installedWith = logger;
  return true;
}
