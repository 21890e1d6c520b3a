// `aftercare policies show|set FILE|history` through the real CLI, against a real database: the policies
// kept in a file become the version in force, the same file again changes nothing, and a file with a
// mistake is refused in one sentence naming where.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const ONE_SENTENCE = /^aftercare: [^\n]+[.)]\n$/;

describe('aftercare policies', () => {
  let database: TestDatabase;
  let folder: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url };
    folder = await mkdtemp(join(tmpdir(), 'aftercare-policies-'));
    await writeFile(
      join(folder, 'policies.yaml'),
      [
        'quietHours: { from: "22:00", to: "07:30" }',
        'caps:',
        '  marketing:',
        '    - { count: 2, window: P7D }',
        '  survey:',
        '    - { count: 1, window: P14D }',
        'decisionWindow: PT30M',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(folder, 'bad.yaml'),
      'quietHours: false\ncaps: { marketing: [{ count: 0, window: P1D }], survey: [] }\ndecisionWindow: PT1H\n',
    );
  });

  afterAll(async () => {
    await database?.drop();
    await rm(folder, { recursive: true, force: true });
  });

  it('shows the built-in defaults before any change', async () => {
    const shown = await runCli(['policies', 'show'], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Send policies, version 0 (the built-in defaults)');
    expect(shown.stdout).toContain("Quiet hours:        21:00 to 08:00, in each customer's time zone");
    expect(shown.stdout).toContain('Marketing emails:   at most 1 in PT48H, at most 3 in P7D');
  });

  it('makes a file of policies the version in force, once, with its reason', async () => {
    const set = await runCli(['policies', 'set', join(folder, 'policies.yaml'), '--note', 'Quieter December'], env);
    expect(set.stdout).toBe('Send policies version 1 is in force: every send decided from now on follows it.\n');
    const again = await runCli(['policies', 'set', join(folder, 'policies.yaml')], env);
    expect(again.stdout).toBe('The send policies are unchanged: version 1 already says this.\n');
    const json = JSON.parse((await runCli(['policies', 'show', '--json'], env)).stdout);
    expect(json).toEqual({
      quietHours: { from: '22:00', to: '07:30' },
      caps: { marketing: [{ count: 2, window: 'P7D' }], survey: [{ count: 1, window: 'P14D' }] },
      decisionWindow: 'PT30M',
    });
    const history = await runCli(['policies', 'history'], env);
    expect(history.stdout).toMatch(/^Version 1, .* UTC: "Quieter December"\n/);
    expect(history.stdout).toContain('Version 0 (built in)');
  });

  it('refuses a file with a mistake in one sentence naming where, and changes nothing', async () => {
    const bad = await runCli(['policies', 'set', join(folder, 'bad.yaml')], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(ONE_SENTENCE);
    expect(bad.stderr).toContain('caps.marketing[0].count');
    const missing = await runCli(['policies', 'set', join(folder, 'nope.yaml')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist\.\n$/);
    expect((await runCli(['policies', 'show'], env)).stdout).toContain('version 1');
  });
});
