// `aftercare journeys validate|publish|simulate FILE` through the real CLI: definitions from YAML and
// JSON files are checked with the path of every error, published as immutable versions (the same
// definition twice is one version), and simulated on a virtual clock without a database.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { shippedJourneysDir } from '../../journey-store/journey-versions.ts';
import { runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/** One line on stderr: `aftercare: <sentence>`. */
const ONE_SENTENCE = /^aftercare: [^\n]+[.)]\n$/;

const winBack = (changes: Record<string, unknown> = {}) => ({
  key: 'win-back-cli',
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

/** A check-in with a CSAT survey; an unhappy answer alerts the owner, a happy one ends it. */
const checkin = {
  key: 'checkin-cli',
  name: 'Check-in',
  trigger: { event: 'order.delivered' },
  entity: 'order',
  category: 'transactional',
  steps: [
    { id: 'ask', send: { template: 'checkin', survey: { kind: 'csat' } } },
    { id: 'answer', waitForEvent: { event: 'survey.answered', timeout: 'P3D' } },
    { id: 'unhappy', branch: { cases: [{ when: { survey: { step: 'ask', score: { lte: 2 } } }, goto: 'tell-owner' }], otherwise: 'exit' } },
    { id: 'tell-owner', alert: { kind: 'detractor', title: 'An unhappy customer' } },
  ],
};

describe('aftercare journeys', () => {
  let dir = '';
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aftercare-journeys-'));
    await Promise.all([
      writeFile(file('win-back.yaml'), toYaml(winBack())),
      writeFile(file('win-back.json'), JSON.stringify(winBack(), null, 2)),
      writeFile(file('win-back-v2.yaml'), toYaml(winBack({ holdout: 10 }))),
      writeFile(file('checkin.yaml'), toYaml(checkin)),
      writeFile(
        file('bad-duration.yaml'),
        toYaml(
          winBack({
            steps: [
              { id: 'first', send: { template: 'winback' } },
              { id: 'w', wait: { duration: '14 days' } },
            ],
          }),
        ),
      ),
      writeFile(file('two-problems.yaml'), toYaml(winBack({ holdout: 80, steps: [{ id: 'typo', send: { template: 'chekin' } }] }))),
      writeFile(file('broken.yaml'), 'key: win-back\n steps: [\n'),
      writeFile(file('broken.json'), '{"key": "win-back",'),
      writeFile(file('empty.yaml'), ''),
      writeFile(file('customer.json'), JSON.stringify({ timezone: 'America/New_York', consent: { marketing: true } })),
      writeFile(file('purchase.json'), JSON.stringify([{ offset: 'P3D', type: 'order.placed', properties: { orderId: 'o-1' } }])),
    ]);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('validate', () => {
    it('accepts a valid definition in YAML or JSON, and every shipped journey', async () => {
      const yaml = await runCli(['journeys', 'validate', file('win-back.yaml')], {});
      expect(yaml.code, yaml.stderr).toBe(0);
      expect(yaml.stdout).toContain("journey 'win-back-cli' (Win-back) is valid: 3 steps, goal order.placed within P30D.");
      expect((await runCli(['journeys', 'validate', file('win-back.json')], {})).code).toBe(0);

      const shipped = (await readdir(shippedJourneysDir)).filter((name) => name.endsWith('.yaml'));
      expect(shipped.length).toBeGreaterThanOrEqual(5);
      const all = await runCli(['journeys', 'validate', ...shipped.map((name) => join(shippedJourneysDir, name))], {});
      expect(all.code, all.stderr).toBe(0);
      expect(all.stdout.trim().split('\n')).toHaveLength(shipped.length);
    });

    it('with several files, names the one that is invalid', async () => {
      const result = await runCli(['journeys', 'validate', file('win-back.yaml'), file('bad-duration.yaml')], {});
      expect(result.code).toBe(2);
      expect(result.stdout).toContain('win-back.yaml: journey');
      expect(result.stderr).toMatch(ONE_SENTENCE);
      expect(result.stderr).toMatch(/^aftercare: \S+bad-duration\.yaml: steps\[1\]\.wait\.duration must be/);
    });

    const refusals: [string, string, RegExp][] = [
      [
        'a duration in words, naming its path',
        'bad-duration.yaml',
        /^aftercare: steps\[1\]\.wait\.duration must be a positive ISO-8601 duration/,
      ],
      [
        'every problem at once, a missing template among them',
        'two-problems.yaml',
        /^aftercare: holdout: Too big.+\(and 1 more: steps\[0\]\.send\.template: no template named 'chekin'\)/,
      ],
      ['YAML that is not YAML', 'broken.yaml', /^aftercare: \S+broken\.yaml is not valid YAML: .+ at line \d+, column \d+\./],
      ['JSON that is not JSON', 'broken.json', /^aftercare: \S+broken\.json is not valid JSON/],
      ['an empty file', 'empty.yaml', /^aftercare: \S+empty\.yaml is empty/],
      ['a file that does not exist', 'nothing-here.yaml', /^aftercare: The journey file \S+nothing-here\.yaml does not exist\./],
    ];
    it.concurrent.each(refusals)('refuses %s: exit 2 and one sentence', async (_name, name, message) => {
      const result = await runCli(['journeys', 'validate', file(name)], {});
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(ONE_SENTENCE);
      expect(result.stderr).toMatch(message);
    });
  });

  describe('publish', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('publishes version 1; the same definition again creates no second version; a changed one is version 2 and v1 stays as it was', async () => {
      const env = { DATABASE_URL: database.url };
      const first = await runCli(['journeys', 'publish', file('win-back.yaml')], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toBe("Published journey 'win-back-cli' version 1.\n");
      // Recorded as the CLI's action, like every publish.
      expect(
        await database.db.auditEntry.count({
          where: { action: 'journey.published', subjectId: 'win-back-cli', detail: { path: ['source'], equals: 'cli' } },
        }),
      ).toBe(1);
      const v1 = await database.db.journeyVersion.findUniqueOrThrow({
        where: { journeyKey_version: { journeyKey: 'win-back-cli', version: 1 } },
      });

      // The same definition, as JSON this time: still version 1.
      const again = await runCli(['journeys', 'publish', file('win-back.json')], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/^Journey 'win-back-cli' is unchanged: version 1 /);
      expect(await database.db.journeyVersion.count({ where: { journeyKey: 'win-back-cli' } })).toBe(1);

      const second = await runCli(['journeys', 'publish', file('win-back-v2.yaml')], env);
      expect(second.stdout).toBe("Published journey 'win-back-cli' version 2.\n");
      const journey = await database.db.journey.findUniqueOrThrow({
        where: { key: 'win-back-cli' },
        include: { versions: { orderBy: { version: 'asc' } } },
      });
      expect(journey.currentVersion).toBe(2);
      expect(journey.versions.map((v) => [v.version, v.publishedBy, (v.definition as { holdout: number }).holdout])).toEqual([
        [1, 'cli', 0],
        [2, 'cli', 10],
      ]);
      expect(journey.versions[0]).toEqual(v1);
    });

    it('refuses an invalid definition and stores nothing', async () => {
      const before = { journeys: await database.db.journey.findMany(), versions: await database.db.journeyVersion.findMany() };
      const result = await runCli(['journeys', 'publish', file('two-problems.yaml')], { DATABASE_URL: database.url });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(ONE_SENTENCE);
      expect(result.stderr).toMatch(/^aftercare: holdout: /);
      expect({ journeys: await database.db.journey.findMany(), versions: await database.db.journeyVersion.findMany() }).toEqual(before);
    });

    it('needs DATABASE_URL or a running engine', async () => {
      const result = await runCli(['journeys', 'publish', file('win-back.yaml')], { DATA_DIR: '/nonexistent/aftercare-data' });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'aftercare: DATABASE_URL is not set and no Aftercare engine is running on DATA_DIR (/nonexistent/aftercare-data): start one with `npm start`, or set DATABASE_URL to the database to publish to.\n',
      );
    });
  });

  describe('simulate', () => {
    // Monday 23 November 2026, 22:30 in New York: inside the quiet hours.
    const lateEvening = '2026-11-23T22:30:00-05:00';

    it('prints the timeline as a table in local times, the messages and the outcome', async () => {
      const result = await runCli(
        ['journeys', 'simulate', file('win-back.yaml'), '--customer', `@${file('customer.json')}`, '--start', lateEvening, '--days', '30'],
        {},
      );
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe("Journey 'win-back-cli' (Win-back), treatment group, customer in America/New_York");
      expect(lines[1]).toBe("From Mon 2026-11-23 22:30 for 30 days (times are the customer's local time)");
      expect(lines[3]).toMatch(/^local time\s+step\s+kind\s+status\s+detail$/);
      expect(result.stdout).toMatch(/^Mon 2026-11-23 22:30 {2}first +send +deferred +reason quiet_hours, until Tue 2026-11-24 08:00$/m);
      expect(result.stdout).toMatch(/^Tue 2026-11-24 08:00 {2}first +send +sent$/m);
      expect(result.stdout).toMatch(/^Tue 2026-12-08 08:00 {2}offer +send +sent$/m);
      expect(result.stdout).toContain(
        'Messages (2):\n  Tue 2026-11-24 08:00  first  (template winback)\n  Tue 2026-12-08 08:00  offer  (template winback-offer)\n',
      );
      // The steps end on 8 December; the journey still waits for its goal until the 30-day window closes.
      expect(result.stdout).toContain('Outcome: completed on Wed 2026-12-23 22:30 (all steps done; goal window closed)\n');
    });

    it('--json gives the same simulation as the API: a purchase from an events file ends it with the goal reached', async () => {
      const result = await runCli(
        [
          'journeys',
          'simulate',
          file('win-back.yaml'),
          '--customer',
          '{"timezone":"America/New_York","consent":{"marketing":true}}',
          '--start',
          lateEvening,
          '--events',
          `@${file('purchase.json')}`,
          '--json',
        ],
        {},
      );
      expect(result.code, result.stderr).toBe(0);
      const body = JSON.parse(result.stdout);
      expect(body).toMatchObject({
        key: 'win-back-cli',
        version: null,
        outcome: 'goal_reached',
        endedAtLocal: '2026-11-26T22:30:00-05:00',
      });
      expect(body.messages).toEqual([
        { step: 'first', template: 'winback', at: '2026-11-24T13:00:00.000Z', local: '2026-11-24T08:00:00-05:00' },
      ]);
      expect(body.timeline[0]).toMatchObject({ step: '(start)', kind: 'enter', status: 'treatment', local: '2026-11-23T22:30:00-05:00' });
    });

    it('survey answers steer the branches; the control group is sent nothing', async () => {
      const args = [
        'journeys',
        'simulate',
        file('checkin.yaml'),
        '--customer',
        '{"timezone":"Europe/Berlin"}',
        '--start',
        '2026-11-23T10:00:00+01:00',
        '--days',
        '5',
      ];
      const unhappy = await runCli([...args, '--answers', '{"ask":2}'], {});
      expect(unhappy.code, unhappy.stderr).toBe(0);
      expect(unhappy.stdout).toMatch(/^Mon 2026-11-23 11:00 {2}answer +waitForEvent +happened/m);
      expect(unhappy.stdout).toMatch(/^Mon 2026-11-23 11:00 {2}unhappy +branch +taken +case 0, goto tell-owner$/m);
      expect(unhappy.stdout).toMatch(/^Mon 2026-11-23 11:00 {2}tell-owner +alert +done$/m);

      const happy = await runCli([...args, '--answers', '{"ask":5}'], {});
      expect(happy.stdout).toMatch(/unhappy +branch +taken +case otherwise, goto exit$/m);
      expect(happy.stdout).toContain('Outcome: exited on Mon 2026-11-23 11:00 (branch unhappy)');

      const control = await runCli([...args, '--group', 'control'], {});
      expect(control.stdout).toMatch(/^Mon 2026-11-23 10:00 {2}ask +send +skipped +reason holdout$/m);
      expect(control.stdout).toContain('Messages: none');
    });

    const refusals: [string, string[], RegExp][] = [
      ['no customer', [], /^aftercare: Describe the customer with --customer/],
      ['a customer that is not JSON', ['--customer', 'customer.json'], /^aftercare: --customer must be JSON .+ or @file/],
      ['an unknown time zone', ['--customer', '{"timezone":"Mars/Olympus"}'], /^aftercare: --customer timezone must be an IANA time zone/],
      [
        'a stored customer (that needs the database)',
        ['--customer', '{"customerId":"c-42"}'],
        /^aftercare: --customer customerId needs the database/,
      ],
      [
        '400 days',
        ['--customer', '{"timezone":"UTC"}', '--days', '400'],
        /^aftercare: --days must be a whole number from 1 to 365, not "400"\./,
      ],
      [
        'a start without an offset',
        ['--customer', '{"timezone":"UTC"}', '--start', '2026-11-23T10:00:00'],
        /^aftercare: --start must be an ISO-8601 date-time with an offset/,
      ],
      [
        'an event with neither offset nor at',
        ['--customer', '{"timezone":"UTC"}', '--events', '[{"type":"order.placed"}]'],
        /^aftercare: --events\[0\]\.offset needs exactly one of offset/,
      ],
      [
        'an event of an unknown type',
        ['--customer', '{"timezone":"UTC"}', '--events', '[{"offset":"P1D","type":"order.exploded"}]'],
        /^aftercare: --events\[0\]\.type must be one of/,
      ],
      [
        'an events file that does not exist',
        ['--customer', '{"timezone":"UTC"}', '--events', '@/nonexistent/events.json'],
        /^aftercare: The --events file \/nonexistent\/events\.json does not exist\./,
      ],
      [
        'a group that does not exist',
        ['--customer', '{"timezone":"UTC"}', '--group', 'holdout'],
        /^aftercare: --group must be treatment or control/,
      ],
    ];
    it.concurrent.each(refusals)('refuses %s: exit 2 and one sentence', async (_name, options, message) => {
      const result = await runCli(['journeys', 'simulate', file('win-back.yaml'), ...options], {});
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(ONE_SENTENCE);
      expect(result.stderr).toMatch(message);
    });

    it('refuses an invalid definition before simulating anything', async () => {
      const result = await runCli(['journeys', 'simulate', file('bad-duration.yaml'), '--customer', '{"timezone":"UTC"}'], {});
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^aftercare: steps\[1\]\.wait\.duration must be/);
    });
  });
});
