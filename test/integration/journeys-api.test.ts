// /v1/journeys as PRODUCT.md specifies it: journeys are data, created and published as immutable
// versions, refused with the path of every error (and nothing stored), paused, resumed and archived,
// simulated for a customer before publishing, and measured: the funnel per step, goal conversion per
// group, and the lift of treatment over the holdout with its 95% interval.
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { devServerClient } from '../support/temporal.ts';

const API_KEY = 'ak_test_journeys_0123456789abcdefghij';
const HOUR = 3600_000;

/** A win-back: the first email at once (in the daytime), a second after two weeks, a purchase is the goal. */
const winBack = (key: string, changes: Record<string, unknown> = {}) => ({
  key,
  name: 'Win-back',
  trigger: { inactivity: { noOrderFor: 'P60D' } },
  goal: { event: 'order.placed', within: 'P30D' },
  exitEvents: ['order.placed'],
  steps: [
    { id: 'first', send: { template: 'winback' } },
    { id: 'two-weeks', wait: { duration: 'P14D' } },
    { id: 'offer', send: { template: 'winback-offer' } },
  ],
  ...changes,
});

describe('/v1/journeys', () => {
  let database: TestDatabase;
  let app: ApiServer;
  let withoutTemporal: ApiServer;
  let temporal: { client: Client; close(): Promise<void> };

  beforeAll(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(), devServerClient()]);
    await registerApiKey(database.db, API_KEY, 'test');
    const deps = { db: database.db, route: null, logger: pino({ level: 'silent' }), publicUrl: 'http://localhost' };
    app = await buildApiServer({ ...deps, temporal: temporal.client });
    withoutTemporal = await buildApiServer({ ...deps, temporal: null });
  });

  afterAll(async () => {
    await app?.close();
    await withoutTemporal?.close();
    await temporal?.close();
    await database?.drop();
  });

  const auth = { authorization: `Bearer ${API_KEY}` };
  const get = (url: string, server = app) => server.inject({ method: 'GET', url, headers: auth });
  const post = (url: string, payload?: unknown, server = app) =>
    server.inject({
      method: 'POST',
      url,
      headers: payload === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const postYaml = (url: string, text: string, contentType = 'application/yaml') =>
    app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': contentType }, payload: text });
  const stored = async (key: string) => ({
    journey: await database.db.journey.findUnique({ where: { key } }),
    versions: await database.db.journeyVersion.count({ where: { journeyKey: key } }),
  });

  describe('the schema', () => {
    it('is served as JSON Schema, and only with an API key', async () => {
      const response = await get('/v1/journeys/schema');
      expect(response.statusCode).toBe(200);
      const schema = response.json();
      expect(schema.type).toBe('object');
      expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['key', 'trigger', 'steps', 'goal', 'holdout', 'exitEvents']));
      expect(schema.required).toEqual(expect.arrayContaining(['key', 'name', 'trigger', 'steps']));

      const anonymous = await app.inject({ method: 'GET', url: '/v1/journeys/schema' });
      expect(anonymous.statusCode).toBe(401);
    });

    it('every journeys route is documented in /openapi.json', async () => {
      const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const paths = Object.keys(document.paths);
      for (const path of [
        '/v1/journeys',
        '/v1/journeys/schema',
        '/v1/journeys/{key}',
        '/v1/journeys/{key}/versions',
        '/v1/journeys/{key}/pause',
        '/v1/journeys/{key}/resume',
        '/v1/journeys/{key}/archive',
        '/v1/journeys/{key}/simulate',
        '/v1/journeys/{key}/stats',
      ]) {
        expect(paths).toContain(path);
      }
      const simulate = document.paths['/v1/journeys/{key}/simulate'].post;
      expect(simulate.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['customer', 'days']));
      expect(Object.keys(simulate.responses)).toEqual(expect.arrayContaining(['200', '404', '422']));
      expect(document.paths['/v1/journeys/{key}/stats'].get.responses['200']).toBeDefined();
    });
  });

  describe('creating and publishing', () => {
    it('a JSON definition creates the journey as version 1, listed with its status and enrollments', async () => {
      const created = await post('/v1/journeys', winBack('win-back-json'));
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({ key: 'win-back-json', version: 1, created: true });

      const list = await get('/v1/journeys');
      expect(list.statusCode).toBe(200);
      const listed = list.json().journeys.find((journey: { key: string }) => journey.key === 'win-back-json');
      expect(listed).toMatchObject({
        name: 'Win-back',
        status: 'active',
        currentVersion: 1,
        enrollments: { total: 0, running: 0, completed: 0, exited: 0, goal_reached: 0, failed: 0 },
      });

      const detail = (await get('/v1/journeys/win-back-json')).json();
      expect(detail.definition.steps.map((step: { id: string }) => step.id)).toEqual(['first', 'two-weeks', 'offer']);
      // Defaults are filled in: the stored version is the complete definition.
      expect(detail.definition).toMatchObject({ entity: 'customer', holdout: 0, priority: 50, category: 'marketing' });
      expect(detail.versions).toEqual([
        { version: 1, publishedAt: expect.any(String), publishedBy: 'api', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) },
      ]);
    });

    it('a YAML definition is accepted with Content-Type application/yaml or text/yaml', async () => {
      const yaml = await postYaml('/v1/journeys', toYaml(winBack('win-back-yaml')));
      expect(yaml.statusCode, yaml.body).toBe(201);
      expect(yaml.json()).toEqual({ key: 'win-back-yaml', version: 1, created: true });
      const text = await postYaml('/v1/journeys', toYaml(winBack('win-back-text')), 'text/yaml; charset=utf-8');
      expect(text.statusCode, text.body).toBe(201);
    });

    it('creating a key that exists is refused with 409, and the journey is unchanged', async () => {
      await post('/v1/journeys', winBack('taken'));
      const again = await post('/v1/journeys', winBack('taken', { name: 'Another' }));
      expect(again.statusCode).toBe(409);
      expect(again.json().error).toMatchObject({ code: 'journey_exists', field: 'key' });
      const { journey, versions } = await stored('taken');
      expect(journey?.name).toBe('Win-back');
      expect(versions).toBe(1);
    });

    it('publishing v2 leaves v1 immutable', async () => {
      await post('/v1/journeys', winBack('versioned'));
      const v1Before = (await get('/v1/journeys/versioned?version=1')).json();

      const changed = winBack('versioned', { holdout: 10 });
      const published = await post('/v1/journeys/versioned/versions', changed);
      expect(published.statusCode).toBe(201);
      expect(published.json()).toEqual({ key: 'versioned', version: 2, created: true });

      const current = (await get('/v1/journeys/versioned')).json();
      expect(current).toMatchObject({ currentVersion: 2, version: 2, definition: { holdout: 10 } });
      expect(current.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
      expect(current.versions[0].checksum).not.toBe(current.versions[1].checksum);

      const v1After = (await get('/v1/journeys/versioned?version=1')).json();
      expect(v1After.definition).toEqual(v1Before.definition);
      expect(v1After.definition.holdout).toBe(0);
      expect(v1After.versions[0]).toEqual(v1Before.versions[0]);
    });

    it('publishing the same definition again creates no version (200, created: false)', async () => {
      await post('/v1/journeys', winBack('idempotent'));
      const again = await post('/v1/journeys/idempotent/versions', winBack('idempotent'));
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ key: 'idempotent', version: 1, created: false });
      // Key order and spelt-out defaults do not make a definition different.
      const { steps, ...rest } = winBack('idempotent');
      const reordered = { steps, priority: 50, holdout: 0, ...rest };
      expect((await post('/v1/journeys/idempotent/versions', reordered)).json()).toEqual({ key: 'idempotent', version: 1, created: false });
      expect((await stored('idempotent')).versions).toBe(1);
    });

    it("a version whose key is not the URL's is refused, as is a version of an unknown journey", async () => {
      await post('/v1/journeys', winBack('mine'));
      const mismatch = await post('/v1/journeys/mine/versions', winBack('theirs'));
      expect(mismatch.statusCode).toBe(422);
      expect(mismatch.json().error).toMatchObject({ code: 'invalid_definition', field: 'key' });
      expect((await stored('theirs')).journey).toBeNull();

      const unknown = await post('/v1/journeys/nobody/versions', winBack('nobody'));
      expect(unknown.statusCode).toBe(404);
      expect((await stored('nobody')).journey).toBeNull();
    });

    it('an unknown journey or version is 404', async () => {
      expect((await get('/v1/journeys/no-such-journey')).statusCode).toBe(404);
      await post('/v1/journeys', winBack('one-version'));
      const missing = await get('/v1/journeys/one-version?version=7');
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.field).toBe('version');
    });
  });

  describe('an invalid definition is refused with its path and nothing is stored', () => {
    const key = 'never-stored';
    const base = winBack(key);
    const step = (s: unknown) => ({ ...base, steps: [s] });
    const cases: [string, unknown, string, RegExp][] = [
      ['an unknown top-level field', { ...base, holdotu: 10 }, 'holdotu', /unknown field 'holdotu'/],
      ['a missing name', { ...base, name: undefined }, 'name', /./],
      ['no steps at all', { ...base, steps: [] }, 'steps', /./],
      ['an unknown step kind', step({ id: 'x', sleep: { duration: 'P1D' } }), 'steps[0].sleep', /unknown field 'sleep'/],
      ['a step id with spaces', step({ id: 'Bad Id', wait: { duration: 'P1D' } }), 'steps[0].id', /lower-case/],
      ['a duration in words', step({ id: 'w', wait: { duration: '3 days' } }), 'steps[0].wait.duration', /ISO-8601/],
      ['a local window at 9am', step({ id: 'w', waitUntil: { from: '9am', to: '11:00' } }), 'steps[0].waitUntil.from', /HH:MM/],
      [
        'a weekday that does not exist',
        step({ id: 'w', waitUntil: { from: '09:00', to: '11:00', days: ['funday'] } }),
        'steps[0].waitUntil.days[0]',
        /mon/,
      ],
      [
        'a wait for an event without timeout',
        step({ id: 'w', waitForEvent: { event: 'order.delivered' } }),
        'steps[0].waitForEvent.timeout',
        /./,
      ],
      [
        'a template that does not exist',
        { ...base, steps: [...base.steps.slice(0, 2), { id: 'typo', send: { template: 'chekin' } }] },
        'steps[2].send.template',
        /no template named 'chekin'/,
      ],
      [
        'a misspelt field in a branch condition',
        step({ id: 'b', branch: { cases: [{ when: { churnBand: { inn: ['high'] } }, goto: 'next' }] } }),
        'steps[0].branch.cases[0].when.churnBand.inn',
        /unknown field 'inn'/,
      ],
      [
        'a branch to a step that does not exist',
        step({ id: 'b', branch: { cases: [{ when: { tag: 'vip' }, goto: 'nowhere' }] } }),
        'steps[0].branch.cases[0].goto',
        /not a step/,
      ],
      [
        'a branch on a survey that was never sent',
        step({ id: 'b', branch: { cases: [{ when: { survey: { step: 'b', score: { lte: 2 } } }, goto: 'next' }] } }),
        'steps[0].branch.cases[0].when.survey.step',
        /not a send step with a survey/,
      ],
      ['two steps with the same id', { ...base, steps: [base.steps[0], base.steps[0]] }, 'steps[1].id', /repeats/],
      ['a holdout over 50%', { ...base, holdout: 80 }, 'holdout', /./],
      ['a priority over 100', { ...base, priority: 101 }, 'priority', /./],
      ['a goal without a window', { ...base, goal: { event: 'order.placed' } }, 'goal.within', /./],
      [
        'a churn-band trigger with an unknown band',
        { ...base, trigger: { churnBand: { entering: 'severe' } } },
        'trigger.churnBand.entering',
        /low, medium or high/,
      ],
      [
        'an inactivity threshold in words',
        { ...base, trigger: { inactivity: { noOrderFor: 'sixty days' } } },
        'trigger.inactivity.noOrderFor',
        /ISO-8601/,
      ],
      ['a cool-down re-entry without its cool-down', { ...base, reentry: { policy: 'after_cooldown' } }, 'reentry.cooldown', /./],
      ['quiet hours without an end', { ...base, policies: { quietHours: { from: '22:00' } } }, 'policies.quietHours.to', /./],
      [
        'a per-order journey that exits on its own trigger',
        { ...base, trigger: { event: 'order.placed' }, entity: 'order', exitEvents: ['order.placed'] },
        'exitEvents',
        /trigger event/,
      ],
      ['an alert kind with capitals', step({ id: 'a', alert: { kind: 'At Risk', title: 'Look' } }), 'steps[0].alert.kind', /./],
      ['a list instead of a definition', [base], '(root)', /object/],
    ];

    it.each(cases)('refuses %s', async (_name, definition, path, message) => {
      const response = await post('/v1/journeys', definition);
      expect(response.statusCode, response.body).toBe(422);
      const body = response.json();
      expect(body.error.code).toBe('invalid_definition');
      expect(body.error.field).toBe(path);
      expect(body.error.message).toContain(path);
      expect(body.errors[0].path).toBe(path);
      expect(body.errors[0].message).toMatch(message);
      expect(await stored(key)).toEqual({ journey: null, versions: 0 });
    });

    it('refuses YAML that is not YAML, naming the body', async () => {
      const response = await postYaml('/v1/journeys', 'key: never-stored\nsteps: [unclosed\n');
      expect(response.statusCode).toBe(422);
      expect(response.json().error).toMatchObject({ code: 'invalid_definition', field: '(body)' });
      expect(response.json().error.message).toMatch(/not valid YAML/);
      expect(await stored(key)).toEqual({ journey: null, versions: 0 });
    });

    it('reports every problem at once, the first in the message', async () => {
      const response = await post('/v1/journeys', {
        ...base,
        holdout: 80,
        priority: 101,
        holdotu: 1,
        steps: [{ id: 'w', wait: { duration: '3 days' } }],
      });
      expect(response.statusCode).toBe(422);
      const body = response.json();
      expect(body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
        'holdotu',
        'holdout',
        'priority',
        'steps[0].wait.duration',
      ]);
      expect(body.error.message).toMatch(/\(and 3 more: /);
      expect(await stored(key)).toEqual({ journey: null, versions: 0 });
    });

    it('refuses an invalid new version of an existing journey and keeps its versions as they were', async () => {
      await post('/v1/journeys', winBack('guarded'));
      const response = await post(
        '/v1/journeys/guarded/versions',
        winBack('guarded', { steps: [{ id: 's', send: { template: 'nope' } }] }),
      );
      expect(response.statusCode).toBe(422);
      expect(response.json().errors).toEqual([{ path: 'steps[0].send.template', message: "no template named 'nope'" }]);
      const { journey, versions } = await stored('guarded');
      expect(journey?.currentVersion).toBe(1);
      expect(versions).toBe(1);
    });

    it('refuses a step whose template needs data the step does not give (the check-in without its survey)', async () => {
      const response = await post('/v1/journeys', winBack('surveyless', { steps: [{ id: 'ask', send: { template: 'checkin' } }] }));
      expect(response.statusCode).toBe(422);
      const errors = response.json().errors as { path: string; message: string }[];
      expect(errors.every((error) => error.path === 'steps[0].send.template')).toBe(true);
      // A per-customer journey gives the check-in neither its order nor its survey: both are named.
      expect(errors.some((error) => /survey/.test(error.message))).toBe(true);
      expect(errors.some((error) => /order\./.test(error.message))).toBe(true);
      expect((await stored('surveyless')).journey).toBeNull();
    });

    it('stored nothing at all for any of them', async () => {
      expect(await database.db.journey.count({ where: { key } })).toBe(0);
      expect(await database.db.journeyVersion.count({ where: { journeyKey: key } })).toBe(0);
    });
  });

  describe('pause, resume and archive', () => {
    it('pausing tells the running enrollments, resuming lets them go on, archiving ends the journey for good', async () => {
      await post('/v1/journeys', winBack('controlled'));
      const customer = await database.db.customer.create({ data: { externalId: 'control-c1' } });
      // A running enrollment whose workflow exists (nothing polls its task queue: signals are still accepted).
      const workflowId = `journey/controlled/${customer.id}/customer-${Date.now()}`;
      const handle = await temporal.client.workflow.start('journeyWorkflow', { taskQueue: 'nobody-polls-this', workflowId, args: [{}] });
      await database.db.enrollment.create({
        data: { workflowId, journeyKey: 'controlled', version: 1, customerId: customer.id, entityKey: 'customer' },
      });
      try {
        const paused = await post('/v1/journeys/controlled/pause');
        expect(paused.statusCode).toBe(200);
        expect(paused.json()).toEqual({ key: 'controlled', status: 'paused', signalled: 1 });
        expect((await get('/v1/journeys/controlled')).json().status).toBe('paused');
        const history = await handle.fetchHistory();
        const signals = history.events?.filter((event) => event.workflowExecutionSignaledEventAttributes) ?? [];
        expect(signals.map((event) => event.workflowExecutionSignaledEventAttributes?.signalName)).toEqual(['journeyControl']);

        const resumed = await post('/v1/journeys/controlled/resume');
        expect(resumed.json()).toMatchObject({ status: 'active', signalled: 1 });

        const archived = await post('/v1/journeys/controlled/archive');
        expect(archived.json()).toMatchObject({ status: 'archived' });
        const again = await post('/v1/journeys/controlled/pause');
        expect(again.statusCode).toBe(409);
        expect(again.json().error.code).toBe('journey_archived');
        const version = await post('/v1/journeys/controlled/versions', winBack('controlled', { holdout: 5 }));
        expect(version.statusCode).toBe(409);
      } finally {
        await handle.terminate('test over').catch(() => undefined);
      }
    });

    it('an enrollment whose workflow is gone is not counted as told', async () => {
      await post('/v1/journeys', winBack('orphaned'));
      const customer = await database.db.customer.create({ data: { externalId: 'orphan-c1' } });
      await database.db.enrollment.create({
        data: {
          workflowId: `journey/orphaned/${customer.id}/gone`,
          journeyKey: 'orphaned',
          version: 1,
          customerId: customer.id,
          entityKey: 'customer',
        },
      });
      expect((await post('/v1/journeys/orphaned/pause')).json()).toEqual({ key: 'orphaned', status: 'paused', signalled: 0 });
    });

    it('an unknown journey is 404; without Temporal the answer is 503 and nothing changes', async () => {
      expect((await post('/v1/journeys/no-such-journey/pause')).statusCode).toBe(404);
      await post('/v1/journeys', winBack('no-temporal'));
      const response = await post('/v1/journeys/no-temporal/pause', undefined, withoutTemporal);
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('temporal_unavailable');
      expect((await stored('no-temporal')).journey?.status).toBe('active');
    });
  });

  describe('simulate', () => {
    // Monday 23 November 2026, 22:30 in New York (03:30 UTC the next day): inside the quiet hours.
    const lateEvening = '2026-11-23T22:30:00-05:00';
    const newYorker = { timezone: 'America/New_York', consent: { marketing: true } };

    beforeAll(async () => {
      await post('/v1/journeys', winBack('simulated'));
    });

    it('runs the current version: the first email waits for the morning, the second comes two weeks later, then it completes', async () => {
      const response = await post('/v1/journeys/simulated/simulate', { customer: newYorker, start: lateEvening, days: 30 });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ key: 'simulated', version: 1, outcome: 'completed', startLocal: '2026-11-23T22:30:00-05:00' });
      expect(body.messages).toEqual([
        { step: 'first', template: 'winback', at: '2026-11-24T13:00:00.000Z', local: '2026-11-24T08:00:00-05:00' },
        { step: 'offer', template: 'winback-offer', at: '2026-12-08T13:00:00.000Z', local: '2026-12-08T08:00:00-05:00' },
      ]);
      const deferral = body.timeline.find((entry: { status: string }) => entry.status === 'deferred');
      expect(deferral).toMatchObject({
        step: 'first',
        kind: 'send',
        local: '2026-11-23T22:30:00-05:00',
        detail: { reason: 'quiet_hours' },
      });
      expect(body.timeline[0]).toMatchObject({ step: '(start)', kind: 'enter', status: 'treatment' });
      expect(body.timeline.at(-1)).toMatchObject({ step: '(end)', status: 'completed' });
      expect(body.endReason).toBe('all steps done; goal window closed'); // a conversion after the last message still counts
    });

    it('a purchase three days in ends it at once with the goal reached', async () => {
      const response = await post('/v1/journeys/simulated/simulate', {
        customer: newYorker,
        start: lateEvening,
        days: 30,
        events: [{ offset: 'P3D', type: 'order.placed', properties: { orderId: 'o-1', total: 40, currency: 'USD', items: [] } }],
      });
      const body = response.json();
      expect(body.outcome).toBe('goal_reached');
      expect(body.endedAtLocal).toBe('2026-11-26T22:30:00-05:00');
      expect(body.messages.map((m: { step: string }) => m.step)).toEqual(['first']);
    });

    it('the control group runs the same path and is sent nothing', async () => {
      const body = (
        await post('/v1/journeys/simulated/simulate', { customer: newYorker, start: lateEvening, days: 30, group: 'control' })
      ).json();
      expect(body.messages).toEqual([]);
      expect(
        body.timeline.filter((e: { status: string }) => e.status === 'skipped').map((e: { detail: { reason: string } }) => e.detail.reason),
      ).toEqual(['holdout', 'holdout']);
    });

    it('a draft definition (YAML text) is simulated without being stored', async () => {
      const draft = toYaml(
        winBack('simulated', { steps: [{ id: 'only', send: { template: 'winback' } }], policies: { quietHours: false } }),
      );
      const body = (
        await post('/v1/journeys/simulated/simulate', { definition: draft, customer: newYorker, start: lateEvening, days: 5 })
      ).json();
      expect(body.version).toBeNull();
      expect(body.messages).toEqual([
        { step: 'only', template: 'winback', at: '2026-11-24T03:30:00.000Z', local: '2026-11-23T22:30:00-05:00' },
      ]);
      expect((await stored('simulated')).versions).toBe(1);
    });

    it('a stored customer brings their time zone, consent, band and recent marketing emails (the frequency cap)', async () => {
      const customer = await database.db.customer.create({
        data: {
          externalId: 'sim-paris',
          email: 'amelie@example.com',
          timezone: 'Europe/Paris',
          consent: { marketing: true },
          tags: ['vip'],
          churnScore: { create: { score: 70, band: 'high', computedAt: new Date('2026-11-20T00:00:00Z') } },
        },
      });
      // A marketing email yesterday at 12:00 Paris time: the 48-hour cap holds the next one back.
      await database.db.message.create({
        data: {
          customerId: customer.id,
          template: 'winback',
          locale: 'fr',
          category: 'marketing',
          status: 'sent',
          createdAt: new Date('2026-11-23T11:00:00Z'),
          sentAt: new Date('2026-11-23T11:00:00Z'),
        },
      });
      const response = await post('/v1/journeys/simulated/simulate', {
        customer: { customerId: 'sim-paris' },
        start: '2026-11-24T10:00:00+01:00',
        days: 30,
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body.customer).toMatchObject({
        customerId: 'sim-paris',
        timezone: 'Europe/Paris',
        churnBand: 'high',
        tags: ['vip'],
        suppressed: false,
        messageHistory: ['2026-11-23T11:00:00.000Z'],
      });
      const deferral = body.timeline.find((entry: { status: string }) => entry.status === 'deferred');
      expect(deferral.detail.reason).toBe('frequency_cap');
      // 48 hours after the last email (12:00 Paris), not before.
      expect(Date.parse(body.messages[0].at)).toBeGreaterThanOrEqual(Date.parse('2026-11-25T11:00:00Z'));
      expect(body.messages[0].local).toMatch(/^2026-11-25T12:00/);
    });

    it('refuses what cannot be simulated, naming the field', async () => {
      const tooLong = await post('/v1/journeys/simulated/simulate', { customer: newYorker, days: 400 });
      expect(tooLong.statusCode).toBe(422);
      expect(tooLong.json().error.field).toBe('body.days');

      const noZone = await post('/v1/journeys/simulated/simulate', { customer: { timezone: 'Mars/Olympus' }, days: 3 });
      expect(noZone.statusCode).toBe(422);
      expect(noZone.json().error.field).toBe('body.customer.timezone');

      const badEvent = await post('/v1/journeys/simulated/simulate', { customer: newYorker, days: 3, events: [{ type: 'order.placed' }] });
      expect(badEvent.statusCode).toBe(422);
      expect(badEvent.json().error.field).toBe('body.events[0].offset');

      const unknownCustomer = await post('/v1/journeys/simulated/simulate', { customer: { customerId: 'nobody' }, days: 3 });
      expect(unknownCustomer.statusCode).toBe(404);
      expect(unknownCustomer.json().error.field).toBe('customer.customerId');

      const badDraft = await post('/v1/journeys/simulated/simulate', {
        definition: winBack('simulated', { steps: [{ id: 'w', wait: { duration: 'soon' } }] }),
        customer: newYorker,
        days: 3,
      });
      expect(badDraft.statusCode).toBe(422);
      expect(badDraft.json().error.field).toBe('definition.steps[0].wait.duration');

      expect((await post('/v1/journeys/never-created/simulate', { customer: newYorker, days: 3 })).statusCode).toBe(404);
    });
  });

  describe('validating a draft as it is written', () => {
    const draft = (changes: Record<string, unknown> = {}) => toYaml(winBack('validated-draft', changes));

    it('says ok for a valid definition, as YAML text or as JSON, and stores nothing', async () => {
      const asYaml = await postYaml('/v1/journeys/validate', draft());
      expect(asYaml.statusCode, asYaml.body).toBe(200);
      expect(asYaml.json()).toEqual({ ok: true, errors: [] });
      const asText = await post('/v1/journeys/validate', { definition: draft(), journey: 'validated-draft' });
      expect(asText.json()).toEqual({ ok: true, errors: [] });
      const asObject = await post('/v1/journeys/validate', { definition: winBack('validated-draft') });
      expect(asObject.json()).toEqual({ ok: true, errors: [] });
      expect(await stored('validated-draft')).toEqual({ journey: null, versions: 0 });
    });

    it('answers every problem with its path and the line of the text it points at', async () => {
      const text = draft({
        steps: [
          { id: 'first', send: { template: 'winback' } },
          { id: 'two-weeks', wait: { duraton: 'P14D' } },
          { id: 'offer', send: { template: 'no-such-template' } },
        ],
      });
      const lineOf = (needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;
      const response = await post('/v1/journeys/validate', { definition: text });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({
        ok: false,
        errors: [
          { path: 'steps[1].wait.duraton', message: "unknown field 'duraton'", line: lineOf('duraton') },
          { path: 'steps[1].wait.duration', message: expect.any(String), line: lineOf('wait:') },
          { path: 'steps[2].send.template', message: "no template named 'no-such-template'", line: lineOf('no-such-template') },
        ],
      });
    });

    it('names the line of text that is not YAML, and a key that is not the journey being edited', async () => {
      const broken = await post('/v1/journeys/validate', { definition: 'key: a\nname: [unclosed\n' });
      expect(broken.json()).toMatchObject({
        ok: false,
        errors: [{ path: '(body)', message: expect.stringContaining('not valid YAML'), line: expect.any(Number) }],
      });
      const otherKey = await post('/v1/journeys/validate', { definition: draft(), journey: 'win-back' });
      expect(otherKey.json()).toEqual({
        ok: false,
        errors: [{ path: 'key', message: "is 'validated-draft', but this is the journey 'win-back'", line: 1 }],
      });
    });

    it('refuses a request without a definition, naming the field, and an anonymous one', async () => {
      const missing = await post('/v1/journeys/validate', { text: draft() });
      expect(missing.statusCode).toBe(422);
      expect(missing.json().error.field).toBe('definition');
      const anonymous = await app.inject({
        method: 'POST',
        url: '/v1/journeys/validate',
        headers: { 'content-type': 'application/yaml' },
        payload: draft(),
      });
      expect(anonymous.statusCode).toBe(401);
    });
  });

  describe('stats', () => {
    type Row = [stepId: string, kind: string, status: string, detail?: Record<string, unknown>];
    let customerId = '';
    let counter = 0;

    /** One enrollment with its step log, as the workflow would have written it. */
    const enroll = async (options: { version?: number; group: 'treatment' | 'control'; status: string; rows?: Row[]; end?: string }) => {
      const id = `stats-${++counter}`;
      const enteredAt = new Date('2026-11-01T10:00:00Z');
      await database.db.enrollment.create({
        data: {
          id,
          workflowId: `journey/stats-journey/${customerId}/${id}`,
          journeyKey: 'stats-journey',
          version: options.version ?? 1,
          customerId,
          entityKey: id,
          group: options.group,
          status: options.status as never,
          enteredAt,
        },
      });
      const rows: Row[] = [['(start)', 'enter', options.group], ...(options.rows ?? [])];
      if (options.end) rows.push(['(end)', 'complete', options.end]);
      await database.db.enrollmentStep.createMany({
        data: rows.map(([stepId, kind, status, detail], seq) => ({
          enrollmentId: id,
          seq,
          stepId,
          kind,
          status,
          detail: (detail ?? {}) as never,
          at: new Date(enteredAt.getTime() + seq * HOUR),
        })),
      });
    };
    /** Many enrollments with no step rows beyond the start: only their group and status matter. */
    const bulk = async (count: number, group: 'treatment' | 'control', status: string) => {
      for (let i = 0; i < count; i++) await enroll({ group, status });
    };

    const journey = winBack('stats-journey', {
      holdout: 10,
      steps: [
        { id: 'settle', wait: { duration: 'P2D' } },
        // The step keeps its id; its template is one a per-customer journey can render.
        { id: 'checkin', send: { template: 'winback' } },
        { id: 'gap', wait: { duration: 'P7D' } },
        { id: 'offer', send: { template: 'winback-offer' } },
      ],
    });

    beforeAll(async () => {
      expect((await post('/v1/journeys', journey)).statusCode).toBe(201);
      customerId = (await database.db.customer.create({ data: { externalId: 'stats-c' } })).id;
      const settled: Row[] = [
        ['settle', 'wait', 'waiting'],
        ['settle', 'wait', 'done'],
      ];
      // E1: waiting in the first wait.
      await enroll({ group: 'treatment', status: 'running', rows: [['settle', 'wait', 'waiting']] });
      // E2: its check-in deferred to the morning, still waiting for it.
      await enroll({
        group: 'treatment',
        status: 'running',
        rows: [...settled, ['checkin', 'send', 'deferred', { reason: 'quiet_hours' }]],
      });
      // E3: sent, then converted during the gap.
      await enroll({
        group: 'treatment',
        status: 'goal_reached',
        rows: [...settled, ['checkin', 'send', 'sent'], ['gap', 'wait', 'waiting']],
        end: 'goal_reached',
      });
      // E4: deferred twice (quiet hours, then the cap), skipped by the cap, then the offer was sent.
      await enroll({
        group: 'treatment',
        status: 'completed',
        rows: [
          ...settled,
          ['checkin', 'send', 'deferred', { reason: 'quiet_hours' }],
          ['checkin', 'send', 'deferred', { reason: 'frequency_cap' }],
          ['checkin', 'send', 'skipped', { reason: 'frequency_cap' }],
          ['gap', 'wait', 'waiting'],
          ['gap', 'wait', 'done'],
          ['offer', 'send', 'sent'],
        ],
        end: 'completed',
      });
      // E5: control: the check-in skipped as holdout, converted during the gap.
      await enroll({
        group: 'control',
        status: 'goal_reached',
        rows: [...settled, ['checkin', 'send', 'skipped', { reason: 'holdout' }], ['gap', 'wait', 'waiting']],
        end: 'goal_reached',
      });
      // E6: an exit event during the first wait.
      await enroll({ group: 'treatment', status: 'exited', rows: [['settle', 'wait', 'waiting']], end: 'exited' });
      // Newcombe's example (a): treatment 56 of 70 converted, control 48 of 80.
      await bulk(55, 'treatment', 'goal_reached');
      await bulk(10, 'treatment', 'completed');
      await bulk(47, 'control', 'goal_reached');
      await bulk(32, 'control', 'completed');
    });

    it('show per step who entered, who waits, what was sent, deferred and skipped by reason, and where goals were reached', async () => {
      const response = await get('/v1/journeys/stats-journey/stats');
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      const step = (id: string) => body.steps.find((s: { stepId: string }) => s.stepId === id);
      expect(body.steps.map((s: { stepId: string }) => s.stepId)).toEqual(['settle', 'checkin', 'gap', 'offer']);
      expect(step('settle')).toMatchObject({ kind: 'wait', entered: 6, waiting: 1, exited: 1, sent: 0, statuses: { waiting: 6, done: 4 } });
      expect(step('checkin')).toMatchObject({
        kind: 'send',
        entered: 4,
        waiting: 1,
        sent: 1,
        deferred: 2,
        skipped: { frequency_cap: 1, holdout: 1 },
        goalReached: 0,
      });
      expect(step('gap')).toMatchObject({ entered: 3, waiting: 0, goalReached: 2 });
      expect(step('offer')).toMatchObject({ entered: 1, sent: 1, skipped: {} });
    });

    it('show the enrollments by status', async () => {
      const body = (await get('/v1/journeys/stats-journey/stats')).json();
      expect(body.enrollments).toEqual({ total: 150, running: 2, completed: 43, exited: 1, goal_reached: 104, failed: 0 });
    });

    it('show the lift of treatment over control with its interval', async () => {
      const body = (await get('/v1/journeys/stats-journey/stats')).json();
      expect(body.conversion).toEqual({
        goal: 'order.placed',
        treatment: { enrolled: 70, goalReached: 56, rate: 0.8, interval: { lower: expect.any(Number), upper: expect.any(Number) } },
        control: { enrolled: 80, goalReached: 48, rate: 0.6, interval: { lower: expect.any(Number), upper: expect.any(Number) } },
      });
      // Each group's rate with its Wilson interval (56/70 and 48/80, as in test/core/journey/lift.test.ts).
      expect(body.conversion.treatment.interval.lower).toBeCloseTo(0.6918, 4);
      expect(body.conversion.treatment.interval.upper).toBeCloseTo(0.877, 3);
      expect(body.conversion.control.interval.lower).toBeCloseTo(0.4905, 4);
      expect(body.conversion.control.interval.upper).toBeCloseTo(0.7004, 4);
      expect(body.lift.absolute).toBeCloseTo(0.2, 10);
      // Newcombe (1998), Table II, example (a), method 10.
      expect(body.lift.interval.lower).toBeCloseTo(0.0524, 4);
      expect(body.lift.interval.upper).toBeCloseTo(0.3339, 4);
      expect(body.lift).toMatchObject({ significant: true, method: 'newcombe-hybrid-score', treatmentRate: 0.8, controlRate: 0.6 });
      expect(body.lift.relative).toBeCloseTo(1 / 3, 10);
    });

    it('filter by version: v2 enrollments are counted apart from v1', async () => {
      const v2 = { ...journey, steps: [...journey.steps, { id: 'last-word', send: { template: 'winback' } }] };
      expect((await post('/v1/journeys/stats-journey/versions', v2)).statusCode).toBe(201);
      await enroll({ version: 2, group: 'treatment', status: 'running', rows: [['settle', 'wait', 'waiting']] });

      const second = (await get('/v1/journeys/stats-journey/stats?version=2')).json();
      expect(second.version).toBe(2);
      expect(second.enrollments).toMatchObject({ total: 1, running: 1 });
      expect(second.steps.map((s: { stepId: string }) => s.stepId)).toEqual(['settle', 'checkin', 'gap', 'offer', 'last-word']);
      expect(second.steps[0]).toMatchObject({ entered: 1, waiting: 1 });
      expect(second.lift).toBeNull();

      const first = (await get('/v1/journeys/stats-journey/stats?version=1')).json();
      expect(first.enrollments.total).toBe(150);
      const all = (await get('/v1/journeys/stats-journey/stats')).json();
      expect(all.enrollments.total).toBe(151);
      expect(all.version).toBeNull();

      const list = (await get('/v1/journeys')).json();
      expect(list.journeys.find((j: { key: string }) => j.key === 'stats-journey').enrollments).toMatchObject({ total: 151, running: 3 });

      expect((await get('/v1/journeys/stats-journey/stats?version=9')).statusCode).toBe(404);
      expect((await get('/v1/journeys/stats-journey/stats?version=zero')).statusCode).toBe(422);
      expect((await get('/v1/journeys/no-such-journey/stats')).statusCode).toBe(404);
    });
  });
});
