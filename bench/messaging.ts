// Messaging, two figures, each beside a baseline or a limit measured in the same run:
// (a) renders per second of the check-in (subject, HTML and text) through the engine: the template
//     store (variant lookup, cache) and the compiled template (strict, known helpers only, partials,
//     whitespace clean-up), with the data the send activity builds; against raw precompiled
//     Handlebars of the very same sources, partials and helpers, without the engine around them;
// (b) sends per second through the real ResendTransport (the `resend` SDK) against the fake Resend,
//     driven by Temporal (the embedded dev server): a workflow schedules SENDS sends at once on a
//     `-email` task queue whose worker has `maxTaskQueueActivitiesPerSecond` = the configured limit
//     (EMAIL_RATE_LIMIT, default 2/s). Two runs at once, each with its own fake: "queue", a fake
//     that takes everything (what the task-queue limit alone lets through: rate and busiest second),
//     and "engine", a fake that answers 429 above the same limit, as Resend does (the transport
//     honours retry-after through Temporal's retry). The goal is a ratio of ~1.0 to the limit, never
//     above it: at most `limit` sends in any one second and no 429. The same sends with no limit, one
//     after the other, show what the transport and fake could do unthrottled.
//
// Rates are (sends - 1) / (last delivery - first delivery): the steady state, without start-up.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import Handlebars from 'handlebars';
import { DateTime } from 'luxon';
import type { RenderContext } from '../core/messaging/render.ts';
import { signToken } from '../core/messaging/tokens.ts';
import { ResendTransport } from '../messaging/resend-transport.ts';
import { TemplateStore } from '../messaging/template-store.ts';
import { startEmbeddedTemporal } from '../runtime/embedded-temporal.ts';
import { FakeResend } from '../test/support/fake-resend.ts';
import { DEFAULT_EMAILS_PER_SECOND, emailQueueRate, emailTaskQueue } from '../worker.ts';
import { fmt } from './stats.ts';

const SENDS = Number(process.env.BENCH_SENDS ?? 20);
const ROUND_MS = 300;
const ROUNDS = 7;
const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuv';
const PUBLIC_URL = 'https://aftercare.example';

/** What `sendJourneyMessage` gives the check-in: the same fields, shapes and link formats. */
function checkinData(locale: string): RenderContext {
  const messageId = '0b9d3c52-5f1e-4f57-9a55-6a3f3b1d2e10';
  return {
    locale,
    timezone: 'Europe/Paris',
    category: 'transactional',
    customer: { name: 'Ada Lovelace', email: 'ada@example.com', attributes: { plan: 'gold' } },
    order: {
      id: '1001',
      total: 129.5,
      currency: 'EUR',
      items: [
        { name: 'Linen shirt', quantity: 2, price: 49.75 },
        { name: 'Canvas tote', quantity: 1, price: 30 },
      ],
      placedAt: new Date('2026-01-05T10:00:00Z'),
    },
    owner: { name: 'Sam Rivera' },
    business: { name: 'Northwind Outfitters', address: '1 Harbour Street, Bristol BS1 4RN, UK', reviewUrl: `${PUBLIC_URL}/review` },
    links: { unsubscribe: `${PUBLIC_URL}/u/${signToken(SECRET, 'unsubscribe', { c: 'c-42' })}` },
    survey: {
      kind: 'csat',
      question: 'How happy are you with your order?',
      options: [1, 2, 3, 4, 5].map((score) => ({
        score,
        label: String(score),
        url: `${PUBLIC_URL}/s/${signToken(SECRET, 'survey', { m: messageId, s: score })}`,
      })),
    },
  };
}

/**
 * The baseline: plain Handlebars, every template and partial precompiled (`Handlebars.precompile`,
 * then `template()`), the same helpers, no strict mode, no store, no clean-up of the output.
 */
async function rawCheckin(store: TemplateStore) {
  const sources = await store.sources('checkin');
  const hbs = Handlebars.create();
  hbs.registerHelper('money', (amount: unknown, currency: unknown, options: Handlebars.HelperOptions) =>
    new Intl.NumberFormat(String(options.data.root.locale ?? 'en'), { style: 'currency', currency: String(currency) }).format(
      Number(amount),
    ),
  );
  hbs.registerHelper('date', (value: unknown, options: Handlebars.HelperOptions) =>
    DateTime.fromMillis(Date.parse(String(value)), { zone: String(options.data.root.timezone ?? 'UTC') })
      .setLocale(String(options.data.root.locale ?? 'en'))
      .toLocaleString(DateTime.DATE_FULL),
  );
  hbs.registerHelper('pluralize', (count: unknown, singular: unknown, plural: unknown) =>
    Number(count) === 1 ? String(singular) : String(plural),
  );
  hbs.registerHelper('firstName', (name: unknown, fallback: unknown) => {
    const first = typeof name === 'string' ? name.trim().split(/\s+/)[0] : '';
    return first ? first : String(fallback);
  });
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const precompiled = (source: string, options: PrecompileOptions = {}) =>
    hbs.template(new Function(`return ${Handlebars.precompile(source, options)}`)() as TemplateSpecification);
  for (const [name, source] of Object.entries(sources.partials)) hbs.registerPartial(name, precompiled(source));
  const subject = precompiled(sources.subject, { noEscape: true });
  const html = precompiled(sources.html);
  const text = precompiled(sources.text, { noEscape: true });
  return (data: RenderContext) => ({ subject: subject(data), html: html(data), text: text(data) });
}

type PrecompileOptions = Parameters<typeof Handlebars.precompile>[1];
type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

/** Renders per second: the median of ROUNDS rounds of ROUND_MS each, interleaved with the other contenders. */
async function renderRates(contenders: Record<string, () => unknown>): Promise<Record<string, number>> {
  const rates: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [name, render] of Object.entries(contenders)) {
      let count = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < ROUND_MS) {
        for (let i = 0; i < 50; i++) await render();
        count += 50;
        elapsed = performance.now() - start;
      }
      if (round > 0) rates[name]?.push((count * 1000) / elapsed); // round 0 warms up
    }
  }
  return Object.fromEntries(
    Object.entries(rates).map(([name, values]) => [name, values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number]),
  );
}

async function benchRendering(store: TemplateStore): Promise<Record<string, number>> {
  const english = checkinData('en-GB');
  const french = checkinData('fr-CA');
  const raw = await rawCheckin(store);
  // The same output, give or take the engine's whitespace clean-up.
  const squash = (value: string) => value.replace(/\s+/g, ' ').trim();
  const engineOut = (await store.get('checkin', 'en-GB')).compiled.render(english);
  const rawOut = raw(english);
  if (squash(engineOut.html) !== squash(rawOut.html) || squash(engineOut.text) !== squash(rawOut.text)) {
    throw new Error('the baseline does not render what the engine renders');
  }
  const rates = await renderRates({
    engine: async () => (await store.get('checkin', 'en-GB')).compiled.render(english),
    engineFr: async () => (await store.get('checkin', 'fr-CA')).compiled.render(french),
    raw: () => raw(english),
  });
  const engine = rates['engine'] as number;
  const engineFr = rates['engineFr'] as number;
  const baseline = rates['raw'] as number;
  console.log('messaging  check-in template: subject, HTML and text per render, the data the send activity builds');
  console.log(`  engine    ${fmt(engine, 0)} renders/s (TemplateStore.get + compiled render, en-GB -> default variant)`);
  console.log(`            ${fmt(engineFr, 0)} renders/s (fr-CA -> fr variant)`);
  console.log(`  baseline  ${fmt(baseline, 0)} renders/s (raw precompiled Handlebars of the same sources and helpers)`);
  console.log(`  ratio     ${fmt(engine / baseline, 3)} of baseline`);
  return {
    'messaging.renders_per_s': engine,
    'messaging.renders_fr_per_s': engineFr,
    'messaging.raw_renders_per_s': baseline,
    'messaging.render_ratio': engine / baseline,
  };
}

type Burst = { achieved: number; span: number; fromStart: number; busiestSecond: number; rateLimited: number; requests: number };

/** SENDS sends scheduled at once by one workflow on a fresh `-email` queue whose worker has the rate limit. */
async function burst(options: {
  connection: Connection;
  nativeConnection: NativeConnection;
  workflowBundle: { code: string };
  resend: FakeResend;
  send: (n: number) => Promise<string>;
  workerLimit: number;
  label: string;
}): Promise<Burst> {
  const { resend } = options;
  const taskQueue = `bench-messaging-${options.label}-${Date.now()}`;
  const workflows = await Worker.create({
    connection: options.nativeConnection,
    taskQueue,
    workflowBundle: options.workflowBundle,
    activities: { async benchNoop() {} },
  });
  const sender = await Worker.create({
    connection: options.nativeConnection,
    taskQueue: emailTaskQueue(taskQueue),
    activities: { benchSendEmail: options.send },
    maxTaskQueueActivitiesPerSecond: options.workerLimit,
  });
  const running = Promise.all([workflows.run(), sender.run()]);
  let seconds: number;
  try {
    const client = new Client({ connection: options.connection });
    const start = performance.now();
    const sent = await client.workflow.execute('emailBurstWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-burst`,
      args: [{ count: SENDS, emailQueue: emailTaskQueue(taskQueue) }],
      workflowExecutionTimeout: '2 minutes',
    });
    seconds = (performance.now() - start) / 1000;
    if (sent !== SENDS) throw new Error(`the bench workflow sent ${sent} of ${SENDS}`);
  } finally {
    workflows.shutdown();
    sender.shutdown();
    await running;
  }
  const times = resend.delivered.map((delivered) => delivered.at).sort((a, b) => a - b);
  if (times.length !== SENDS) throw new Error(`the fake Resend delivered ${times.length} emails for ${SENDS} sends`);
  const span = ((times.at(-1) as number) - (times[0] as number)) / 1000;
  let busiestSecond = 0;
  for (const [i, at] of times.entries()) busiestSecond = Math.max(busiestSecond, times.slice(i).filter((t) => t < at + 1000).length);
  return {
    // Steady state: SENDS emails are SENDS - 1 intervals.
    achieved: (SENDS - 1) / span,
    span,
    fromStart: seconds,
    busiestSecond,
    rateLimited: resend.requests.filter((request) => request.fault === 'rate-limited').length,
    requests: resend.emailRequests().length,
  };
}

async function benchSending(store: TemplateStore): Promise<Record<string, number>> {
  const limit = Number(process.env.EMAIL_RATE_LIMIT ?? DEFAULT_EMAILS_PER_SECOND);
  // Two fakes, so that both runs go at once: one that takes everything, one limited like Resend.
  const [open, limiting] = await Promise.all([FakeResend.start(), FakeResend.start({ rateLimitPerSecond: limit })]);
  const rendered = (await store.get('checkin', 'en')).compiled.render(checkinData('en'));
  const run = `bench-${Date.now()}`;
  const sender = (resend: FakeResend, prefix: string) => {
    const transport = new ResendTransport(resend.apiKey, { baseUrl: resend.url });
    return async (n: number) =>
      (
        await transport.send({
          idempotencyKey: `${prefix}-${run}-${n}`,
          from: 'Northwind <care@northwind.example>',
          to: `customer-${n}@example.com`,
          ...rendered,
          headers: {},
          tags: [{ name: 'message_id', value: `${prefix}-${n}` }],
        })
      ).providerId;
  };
  const [temporal, workflowBundle] = await Promise.all([
    process.env.TEMPORAL_ADDRESS ? null : startEmbeddedTemporal({ namespace: 'default' }),
    bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./workflows/index.ts', import.meta.url)),
      logger: new DefaultLogger('ERROR'),
    }),
  ]);
  const address = process.env.TEMPORAL_ADDRESS ?? (temporal?.address as string);
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  try {
    // Unthrottled: the same transport and fake, one send after another, no limit anywhere.
    const direct = sender(open, 'direct');
    for (let n = 0; n < 3; n++) await direct(SENDS + n);
    const directStart = performance.now();
    for (let n = 0; n < SENDS; n++) await direct(n);
    const directRate = (SENDS * 1000) / (performance.now() - directStart);
    open.reset();

    const common = { connection, nativeConnection, workflowBundle, workerLimit: emailQueueRate(limit) };
    const [alone, limited] = await Promise.all([
      // The task-queue rate limit alone: the fake accepts everything.
      burst({ ...common, resend: open, send: sender(open, 'alone'), label: 'alone' }),
      // Against Resend's own limit: the fake answers 429 above it; Temporal retries after retry-after.
      burst({ ...common, resend: limiting, send: sender(limiting, 'limited'), label: 'limited' }),
    ]);

    console.log(
      `messaging  ${SENDS} sends through ResendTransport to the fake Resend, scheduled at once by a workflow on the -email task queue`,
    );
    console.log(
      `  limit     ${fmt(limit, 2)} sends/s (EMAIL_RATE_LIMIT; the email queue runs at ${fmt(emailQueueRate(limit), 2)}/s, 90% of it, as the engine does)`,
    );
    console.log(
      `  queue     ${fmt(alone.achieved, 2)} sends/s, ratio ${fmt(alone.achieved / limit, 3)} of the limit; busiest second ${alone.busiestSecond} sends (fake without a limit)`,
    );
    console.log(
      `  engine    ${fmt(limited.achieved, 2)} sends/s, ratio ${fmt(limited.achieved / limit, 3)} of the limit; busiest second ${limited.busiestSecond} sends; ${limited.rateLimited} of ${limited.requests} requests answered 429 (fake limited to ${fmt(limit, 0)}/s, like Resend)`,
    );
    console.log(`  unlimited ${fmt(directRate, 0)} sends/s (the same transport and fake, one after another, no limit)`);
    return {
      'messaging.send_limit_per_s': limit,
      'messaging.queue_sends_per_s': alone.achieved,
      'messaging.queue_ratio': alone.achieved / limit,
      'messaging.queue_busiest_second_sends': alone.busiestSecond,
      'messaging.sends_per_s': limited.achieved,
      'messaging.send_ratio': limited.achieved / limit,
      'messaging.busiest_second_sends': limited.busiestSecond,
      'messaging.rate_limited_429': limited.rateLimited,
      'messaging.unthrottled_sends_per_s': directRate,
    };
  } finally {
    await connection.close();
    await nativeConnection.close();
    await temporal?.stop();
    await Promise.all([open.close(), limiting.close()]);
  }
}

export async function benchMessaging(): Promise<Record<string, number>> {
  const store = new TemplateStore();
  const rendering = await benchRendering(store);
  console.log('');
  return { ...rendering, ...(await benchSending(store)) };
}
