// The editor and the version diff show a stored definition as the YAML a marketer writes: the key and
// name first, the steps last, each step's id first, whatever order the database kept the fields in.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { definitionYaml, lineRange } from '../../web/src/components/journey-yaml.ts';

/** The keys of an object as PostgreSQL's jsonb returns them: shorter first, then by bytes. */
function asJsonb(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asJsonb);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, child]) => [key, asJsonb(child)]),
  );
}

const winBack = parse(readFileSync(new URL('../../journeys/win-back.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('a definition written back as YAML', () => {
  it('puts the fields in the order of the schema, whatever order they were stored in', () => {
    const text = definitionYaml(asJsonb(winBack));
    const topLevel = text
      .split('\n')
      .filter((line) => /^[a-zA-Z]/.test(line))
      .map((line) => line.split(':')[0]);
    expect(topLevel).toEqual([
      'key',
      'name',
      'description',
      'trigger',
      'entity',
      'reentry',
      'eligibility',
      'priority',
      'holdout',
      'goal',
      'exitEvents',
      'steps',
    ]);
    expect(text).toContain(
      ['  - id: weekday-morning', '    waitUntil:', '      from: 09:00', '      to: 11:00', '      days: [mon, tue, wed, thu, fri]'].join(
        '\n',
      ),
    );
    expect(text).toContain('exitEvents: [order.placed, customer.unsubscribed]');
    expect(text).toContain(['reentry:', '  policy: after_cooldown', '  cooldown: P90D'].join('\n'));
  });

  it('reads back as the same definition', () => {
    expect(parse(definitionYaml(asJsonb(winBack)))).toEqual(winBack);
  });

  it('keeps fields it does not know, after the ones it does', () => {
    expect(definitionYaml({ steps: [{ zeta: 1, wait: { duration: 'P1D' }, id: 'a' }], key: 'k' })).toBe(
      ['key: k', 'steps:', '  - id: a', '    wait:', '      duration: P1D', '    zeta: 1', ''].join('\n'),
    );
  });

  it('finds the text of a line for the editor to select (a line past the end: the last one)', () => {
    const text = 'key: a\nname: b\nsteps: []';
    const [start, end] = lineRange(text, 2);
    expect(text.slice(start, end)).toBe('name: b');
    expect(text.slice(...lineRange(text, 1))).toBe('key: a');
    expect(text.slice(...lineRange(text, 9))).toBe('steps: []');
  });
});
