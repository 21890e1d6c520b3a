// `aftercare journeys validate|publish|simulate|backtest FILE` and `journeys list`: journey definitions (YAML or
// JSON) from a file. validate and simulate need no database (simulate is the pure simulator, the same
// code the API and the workflow use); publish, list and backtest (the draft replayed over stored
// history, reading only) use DATABASE_URL or the running engine's. Modules load inside the actions, so that
// `aftercare --help` stays quick. Bad input: exit 2 and one sentence on stderr.
import type { Command } from 'commander';
import type { z } from 'zod';
import type { DefinitionError, JourneyDefinition } from '../core/journey/definition.ts';
import { openDatabase } from './engine-connection.ts';
import { parseDataFile, readInput, sentence } from './input-files.ts';

export interface JourneysCommandHooks {
  /** Builds the error that the CLI reports as bad input: exit code 2 and `aftercare: <message>`. */
  readonly usageError: (message: string) => Error;
  /** Marks the command as finished, so that the process exits. */
  readonly finished: () => void;
}

interface SimulateOptions {
  customer?: string;
  days?: string;
  start?: string;
  events?: string;
  answers?: string;
  group?: string;
  json?: boolean;
}

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export function registerJourneysCommands(program: Command, hooks: JourneysCommandHooks): void {
  const journeys = program
    .command('journeys')
    .description('journey definitions from YAML or JSON files: validate, publish, simulate, backtest');

  journeys
    .command('validate')
    .description('check definitions against the schema and the templates; nothing is stored')
    .argument('<files...>', 'journey definitions (.yaml, .yml or .json)')
    .action(async (files: string[]) => {
      for (const file of files) {
        let definition: JourneyDefinition;
        try {
          definition = await loadDefinition(file, hooks);
        } catch (error) {
          // Several files: say which one (unless the sentence already does).
          const message = (error as Error).message;
          if (files.length === 1 || message.includes(file)) throw error;
          throw hooks.usageError(`${file}: ${message}`);
        }
        const goal = definition.goal ? `, goal ${definition.goal.event} within ${definition.goal.within}` : '';
        const { allSteps } = await import('../core/journey/definition.ts');
        await write(`${file}: journey '${definition.key}' (${definition.name}) is valid: ${allSteps(definition).length} steps${goal}.\n`);
      }
      hooks.finished();
    });

  journeys
    .command('publish')
    .description('publish a definition as the next version of its journey (DATABASE_URL, or the running engine)')
    .argument('<file>', 'a journey definition (.yaml, .yml or .json)')
    .action(async (file: string) => {
      const definition = await loadDefinition(file, hooks);
      const db = await openDatabase('the database to publish to');
      const { publishJourney } = await import('../journey-store/journey-versions.ts');
      try {
        const existing = await db.journey.findUnique({ where: { key: definition.key } });
        if (existing?.status === 'archived') throw hooks.usageError(`Journey '${definition.key}' is archived; it takes no new versions.`);
        const result = await publishJourney(db, definition, 'cli');
        if (result.created) {
          const { recordAudit } = await import('../workspace/audit.ts');
          await recordAudit(db, null, {
            action: 'journey.published',
            subjectType: 'journey',
            subjectId: result.key,
            detail: { ...result },
          });
        }
        await write(
          result.created
            ? `Published journey '${result.key}' version ${result.version}.\n`
            : `Journey '${result.key}' is unchanged: version ${result.version} has this definition, nothing was published.\n`,
        );
      } finally {
        await db.$disconnect();
      }
      hooks.finished();
    });

  journeys
    .command('list')
    .description('list the journeys with their status, version and enrollments (DATABASE_URL, or the running engine)')
    .action(async () => {
      const db = await openDatabase('the database to read');
      try {
        const [journeys, counts] = await Promise.all([
          db.journey.findMany({ orderBy: { key: 'asc' } }),
          db.enrollment.groupBy({ by: ['journeyKey', 'status'], _count: { _all: true } }),
        ]);
        if (journeys.length === 0) await write('No journeys yet: `aftercare journeys publish FILE` publishes one.\n');
        const count = (key: string, status?: string) =>
          counts
            .filter((row) => row.journeyKey === key && (!status || row.status === status))
            .reduce((sum, row) => sum + row._count._all, 0);
        const rows = journeys.map((journey) => [
          journey.key,
          journey.status,
          journey.currentVersion === null ? '-' : `v${journey.currentVersion}`,
          String(count(journey.key, 'running')),
          String(count(journey.key)),
        ]);
        if (rows.length > 0) await write(table([['JOURNEY', 'STATUS', 'VERSION', 'RUNNING', 'ENROLLED'], ...rows]));
      } finally {
        await db.$disconnect();
      }
      hooks.finished();
    });

  journeys
    .command('simulate')
    .description('run a definition for one customer on a virtual clock and print the timeline (no database)')
    .argument('<file>', 'a journey definition (.yaml, .yml or .json)')
    .option(
      '--customer <json|@file>',
      'the customer: {"timezone":"Europe/Paris","consent":{"marketing":true},"churnBand":"high","attributes":{},"tags":[]}',
    )
    .option('--days <n>', 'how many days to simulate (1-365)', '30')
    .option('--start <iso>', 'when the journey starts (ISO-8601 with offset); default: now')
    .option(
      '--events <json|@file>',
      'future events: [{"offset":"P3D","type":"order.placed","properties":{...}}] (or "at" instead of "offset")',
    )
    .option('--answers <json|@file>', 'survey answers by send step id: {"checkin-email":2}')
    .option('--group <group>', 'treatment, or control (the holdout: sends nothing)', 'treatment')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: SimulateOptions) => {
      await simulateCommand(file, options, hooks);
      hooks.finished();
    });

  journeys
    .command('backtest')
    .description('replay a draft over the last N days of stored events and messages; writes nothing (DATABASE_URL, or the running engine)')
    .argument('<file>', 'a journey definition (.yaml, .yml or .json)')
    .option('--days <n>', 'how many days of history, ending now (1-365)', '30')
    .option('--json', 'print the result as JSON (the answer of POST /v1/journeys/:key/backtest)')
    .action(async (file: string, options: { days?: string; json?: boolean }) => {
      await backtestCommand(file, options, hooks);
      hooks.finished();
    });
}

async function backtestCommand(file: string, options: { days?: string; json?: boolean }, hooks: JourneysCommandHooks): Promise<void> {
  const text = options.days ?? '30';
  const days = Number(text);
  if (!/^\d+$/.test(text) || days < 1 || days > 365) throw hooks.usageError(`--days must be a whole number from 1 to 365, not "${text}".`);
  const definition = await loadDefinition(file, hooks);
  const db = await openDatabase('the database whose history to replay');
  try {
    const [{ loadConfig }, { runBacktest, publishedFigures, backtestWindow }, { loadCurrentPolicies }] = await Promise.all([
      import('../runtime/config.ts'),
      import('../journey-store/backtest.ts'),
      import('../messaging/send-policies.ts'),
    ]);
    const request = {
      definition,
      days,
      now: Date.now(),
      policies: (await loadCurrentPolicies(db)).policies,
      defaultTimezone: loadConfig(process.env).defaultTimezone,
    };
    const result = await runBacktest(db, request);
    const journey = await db.journey.findUnique({ where: { key: definition.key } });
    const published =
      journey?.currentVersion != null
        ? await publishedFigures(db, definition.key, journey.currentVersion, backtestWindow(request), result.perDay)
        : null;
    if (options.json) {
      await write(`${JSON.stringify({ key: definition.key, version: null, ...result, published }, null, 2)}\n`);
      return;
    }
    const count = (n: number) => n.toLocaleString('en-US');
    const moment = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
    const reasons = (figures: Record<string, number>, other: Record<string, number> | undefined) =>
      [...new Set([...Object.keys(figures), ...Object.keys(other ?? {})])].sort();
    const columns = published ? ['', 'DRAFT', `PUBLISHED v${published.version} (real)`] : ['', 'DRAFT'];
    const row = (label: string, draft: number, real: number | undefined) =>
      published ? [label, count(draft), count(real ?? 0)] : [label, count(draft)];
    const rows = [
      columns,
      row('Enrollments', result.enrollments, published?.enrollments),
      row('Messages sent', result.messages, published?.messages),
      row('Goals reached', result.goals, published?.goals),
      row('Exited', result.exited, published?.exited),
      ...reasons(result.skipped, published?.skipped).map((reason) =>
        row(`Skipped: ${reason}`, result.skipped[reason] ?? 0, published?.skipped[reason]),
      ),
      ...reasons(result.deferred, published?.deferred).map((reason) =>
        row(`Deferred: ${reason}`, result.deferred[reason] ?? 0, published?.deferred[reason]),
      ),
    ];
    const busiest = Math.max(1, ...result.perDay.map((day) => day.messages));
    const out = [
      `Backtest of '${definition.key}' (${definition.name}) over the last ${days} day${days === 1 ? '' : 's'}: ${moment(result.from)} to ${moment(result.to)}, ${count(result.customers)} customers read. Nothing was written or sent.`,
      '',
      table(rows).trimEnd(),
      '',
      `Messages per day (${result.zone}):`,
      ...result.perDay.map((day) =>
        `  ${day.date}  ${String(day.messages).padStart(6)}  ${'#'.repeat(Math.round((day.messages / busiest) * 40))}`.trimEnd(),
      ),
      '',
      'Funnel:',
      table([
        ['STEP', 'KIND', 'ENTERED', 'SENT', 'SKIPPED', 'DEFERRED'],
        ...result.funnel.map((step) => [
          step.stepId,
          step.kind,
          count(step.entered),
          count(step.sent),
          count(step.skipped),
          count(step.deferred),
        ]),
      ]).trimEnd(),
    ];
    await write(`${out.join('\n')}\n`);
  } finally {
    await db.$disconnect();
  }
}

/** Reads, parses and checks a definition file (schema and templates); bad input is one sentence. */
async function loadDefinition(file: string, hooks: JourneysCommandHooks): Promise<JourneyDefinition> {
  const text = await readInput(file, 'journey file', hooks.usageError);
  const { checkDefinition, describeDefinitionErrors } = await import('../journey-store/definition-checks.ts');
  const { TemplateStore } = await import('../messaging/template-store.ts');
  const raw = await parseDataFile(file, text, hooks.usageError);
  if (raw === null || raw === undefined) throw hooks.usageError(`${file} is empty: it should hold a journey definition.`);
  const check = await checkDefinition(raw, new TemplateStore());
  if (!check.ok) throw hooks.usageError(sentence(describeDefinitionErrors(check.errors as DefinitionError[])));
  return check.definition;
}

/** `--option` given as inline JSON or @file (JSON or YAML), checked with `schema`. */
async function readOption<T extends z.ZodType>(name: string, value: string, schema: T, hooks: JourneysCommandHooks): Promise<z.output<T>> {
  let text = value;
  if (value.startsWith('@')) text = await readInput(value.slice(1), `${name} file`, hooks.usageError);
  else if (!/^\s*[[{]/.test(value))
    throw hooks.usageError(`${name} must be JSON (e.g. '{"timezone":"Europe/Paris"}') or @file, not "${value}".`);
  let raw: unknown;
  try {
    raw = (await import('yaml')).parse(text);
  } catch (error) {
    throw hooks.usageError(`${name} is not valid JSON: ${sentence(((error as Error).message.split('\n')[0] ?? '').replace(/:$/, ''))}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    const where = path.startsWith('.') ? ` ${path.slice(1)}` : path;
    throw hooks.usageError(sentence(`${name}${where} ${issue?.message ?? 'is invalid'}`));
  }
  return parsed.data;
}

async function simulateCommand(file: string, options: SimulateOptions, hooks: JourneysCommandHooks): Promise<void> {
  const definition = await loadDefinition(file, hooks);
  const routes = await import('../core/journey/simulation-scenarios.ts');
  const { loadConfig } = await import('../runtime/config.ts');
  const { DateTime } = await import('luxon');

  if (options.customer === undefined) {
    throw hooks.usageError(
      'Describe the customer with --customer \'{"timezone":"Europe/Paris","consent":{"marketing":true}}\' or --customer @file.',
    );
  }
  const given = await readOption('--customer', options.customer, routes.simulationCustomerSchema, hooks);
  if (given.customerId !== undefined) {
    throw hooks.usageError(
      '--customer customerId needs the database; the CLI simulates a profile: give timezone, consent, churnBand, attributes, tags.',
    );
  }
  const days = Number(options.days ?? '30');
  if (!/^\d+$/.test(options.days ?? '30') || days < 1 || days > 365) {
    throw hooks.usageError(`--days must be a whole number from 1 to 365, not "${options.days}".`);
  }
  let start = Date.now();
  if (options.start !== undefined) {
    const parsed = DateTime.fromISO(options.start, { setZone: true });
    if (!parsed.isValid || !/(Z|[+-]\d{2}:?\d{2})$/i.test(options.start)) {
      throw hooks.usageError(
        `--start must be an ISO-8601 date-time with an offset (e.g. 2026-11-23T10:00:00+01:00), not "${options.start}".`,
      );
    }
    start = parsed.toMillis();
  }
  const group = options.group ?? 'treatment';
  if (group !== 'treatment' && group !== 'control') throw hooks.usageError(`--group must be treatment or control, not "${group}".`);
  const events = options.events === undefined ? [] : await readOption('--events', options.events, routes.simulatedEventsSchema, hooks);
  const answers = options.answers === undefined ? {} : await readOption('--answers', options.answers, routes.surveyAnswersSchema, hooks);

  const customer = routes.customerFromProfile(given, loadConfig(process.env).defaultTimezone);
  const result = routes.runSimulation({ definition, customer, start, days, events, surveyAnswers: answers, group });
  const presented = routes.presentSimulation(result, customer, start, days);
  if (options.json) {
    await write(`${JSON.stringify({ key: definition.key, version: null, ...presented }, null, 2)}\n`);
    return;
  }

  const zone = customer.timezone;
  const local = (at: number | string) =>
    DateTime.fromMillis(typeof at === 'number' ? at : Date.parse(at), { zone }).toFormat('ccc yyyy-LL-dd HH:mm');
  const describeDetail = (detail: Record<string, unknown> | undefined) =>
    Object.entries(detail ?? {})
      .sort(([a], [b]) => Number(b === 'reason') - Number(a === 'reason'))
      .map(([name, value]) => {
        if (name === 'until' && typeof value === 'string') return `until ${local(value)}`;
        if (name === 'case' || name === 'goto') return `${name} ${String(value)}`;
        return typeof value === 'object' ? `${name} ${JSON.stringify(value)}` : `${name} ${String(value)}`;
      })
      .join(', ');
  const rows = presented.timeline.map((entry) => [local(entry.at), entry.step, entry.kind, entry.status, describeDetail(entry.detail)]);
  const header = ['local time', 'step', 'kind', 'status', 'detail'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();

  const out = [
    `Journey '${definition.key}' (${definition.name}), ${group} group, customer in ${zone}`,
    `From ${local(start)} for ${days} day${days === 1 ? '' : 's'} (times are the customer's local time)`,
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    presented.messages.length === 0 ? 'Messages: none' : `Messages (${presented.messages.length}):`,
    ...presented.messages.map((message) => `  ${local(message.at)}  ${message.step}  (template ${message.template})`),
    '',
    result.endedAt === null
      ? `Outcome: still running after ${days} days`
      : `Outcome: ${result.outcome} on ${local(result.endedAt)}${presented.endReason ? ` (${presented.endReason})` : ''}`,
  ];
  await write(`${out.join('\n')}\n`);
}
