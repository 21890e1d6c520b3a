// Template checks at publish time: a typo fails validation, naming the variable and the file, never a
// customer's email at send time.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readShippedJourneys } from '../../../journey-store/journey-versions.ts';
import { sampleRenderData } from '../../../messaging/render-data.ts';
import { defaultTemplatesDir, TemplateStore } from '../../../messaging/template-store.ts';
import { validateJourneyTemplates, validateTemplate } from '../../../messaging/template-validation.ts';
import { definition } from '../../support/journeys.ts';

let dir: string;
let store: TemplateStore;

/** A template folder beside copies of the shipped ones. */
function addTemplate(name: string, files: { subject?: string; html?: string; text?: string; category?: string; sample?: unknown }) {
  const folder = join(dir, name);
  cpSync(join(defaultTemplatesDir, 'winback'), folder, { recursive: true });
  if (files.subject !== undefined) writeFileSync(join(folder, 'subject.hbs'), files.subject);
  if (files.html !== undefined) writeFileSync(join(folder, 'html.hbs'), files.html);
  if (files.text !== undefined) writeFileSync(join(folder, 'text.hbs'), files.text);
  if (files.category !== undefined || files.sample !== undefined) {
    writeFileSync(
      join(folder, 'template.json'),
      JSON.stringify({ description: name, category: files.category ?? 'transactional', sample: files.sample ?? {} }),
    );
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aftercare-templates-'));
  cpSync(defaultTemplatesDir, dir, { recursive: true });
  addTemplate('typo', { html: '{{#> layout}}<p>Hi {{customer.nmae}}</p>{{/layout}}' });
  addTemplate('typo-in-helper', { subject: 'Hello {{firstName customer.nmae "there"}}' });
  addTemplate('typo-in-each', { text: '{{#each order.items}}- {{nmae}}\n{{/each}}\n{{> text-footer}}' });
  addTemplate('unknown-helper', { subject: '{{shout customer.name}}' });
  addTemplate('missing-partial', { html: '{{> footer}}' });
  addTemplate('sample-only', {
    html: '{{#> layout}}<p>{{coupon.code}}</p>{{/layout}}',
    category: 'transactional',
    sample: { coupon: { code: 'WELCOME' } },
  });
  addTemplate('no-unsubscribe', {
    html: '<p>Hi {{customer.name}}</p>',
    text: 'Hi {{customer.name}}',
    category: 'marketing',
    sample: {},
  });
  store = new TemplateStore(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const use = { survey: null, entity: 'order', category: 'transactional' } as const;

describe('validateTemplate', () => {
  it('names an unknown variable, its file and line', async () => {
    expect(await validateTemplate(store, 'typo', use)).toEqual(["templates/typo/html.hbs: 'customer.nmae' is not in the data (line 1)"]);
  });

  it('checks helper arguments too, which strict mode alone lets through', async () => {
    expect(await validateTemplate(store, 'typo-in-helper', use)).toEqual([
      "templates/typo-in-helper/subject.hbs: 'customer.nmae' is not in the data (line 1)",
    ]);
  });

  it('names a variable inside a loop by its full path', async () => {
    expect(await validateTemplate(store, 'typo-in-each', use)).toEqual([
      "templates/typo-in-each/text.hbs: 'order.items[].nmae' is not in the data (line 1)",
    ]);
  });

  it('names an unknown helper', async () => {
    const problems = await validateTemplate(store, 'unknown-helper', use);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^templates\/unknown-helper\/subject\.hbs: 'shout' is not a known helper/);
  });

  it('names a partial that does not exist', async () => {
    expect((await validateTemplate(store, 'missing-partial', use))[0]).toMatch(/the partial 'footer' does not exist/);
  });

  it('does not trust sample keys that the engine never provides', async () => {
    expect(await validateTemplate(store, 'sample-only', use)).toEqual([
      "templates/sample-only/html.hbs: 'coupon.code' is not in the data (line 1)",
    ]);
  });

  it('requires a visible unsubscribe link in marketing emails', async () => {
    const problems = await validateTemplate(store, 'no-unsubscribe', { ...use, category: 'marketing' });
    expect(problems).toEqual([
      'templates/no-unsubscribe/html.hbs: a marketing email must show the unsubscribe link ({{links.unsubscribe}})',
      'templates/no-unsubscribe/text.hbs: a marketing email must show the unsubscribe link ({{links.unsubscribe}})',
    ]);
  });

  it('says when there is no such template', async () => {
    expect(await validateTemplate(store, 'no-such-template', use)).toEqual(["there is no template named 'no-such-template'"]);
  });

  it('fails a template that needs a survey in a step without one, and passes it with one', async () => {
    const without = await validateTemplate(store, 'checkin', use);
    expect(without.length).toBeGreaterThan(0);
    expect(without).toContain(
      "templates/_partials/survey.hbs: 'survey.question' is not in the data: only a send step with a survey gives the template one (line 1)",
    );
    expect(without.some((problem) => problem.startsWith("templates/checkin/text.hbs: 'survey.question'"))).toBe(true);
    expect(await validateTemplate(store, 'checkin', { ...use, survey: 'csat' })).toEqual([]);
    expect(await validateTemplate(store, 'checkin', { ...use, survey: 'nps' })).toEqual([]);
  });

  it('fails a template that needs the order in a per-customer journey', async () => {
    const problems = await validateTemplate(store, 'service-recovery', { ...use, entity: 'customer' });
    expect(problems[0]).toMatch(/'order\.id' is not in the data: enrollments of this journey are per customer, so there is no order/);
  });
});

describe('validateJourneyTemplates', () => {
  it('passes every shipped journey with the shipped templates', async () => {
    const journeys = await readShippedJourneys();
    expect(journeys.length).toBeGreaterThanOrEqual(5);
    for (const journey of journeys)
      expect([journey.key, await validateJourneyTemplates(journey, new TemplateStore())]).toEqual([journey.key, []]);
  });

  it('reports each problem at the path of the step that uses the template', async () => {
    const journey = definition({
      entity: 'order',
      category: 'transactional',
      steps: [
        { id: 'wait', wait: { duration: 'P1D' } },
        { id: 'hello', send: { template: 'typo' } },
        { id: 'no-survey', send: { template: 'checkin' } },
        { id: 'with-survey', send: { template: 'checkin', survey: { kind: 'csat' } } },
        { id: 'missing', send: { template: 'nope' } },
      ],
    });
    const problems = await validateJourneyTemplates(journey, store);
    expect(problems[0]).toEqual({
      path: 'steps[1].send.template',
      message: "templates/typo/html.hbs: 'customer.nmae' is not in the data (line 1)",
    });
    expect(problems.filter((problem) => problem.path === 'steps[2].send.template').length).toBeGreaterThan(0);
    expect(problems.filter((problem) => problem.path === 'steps[3].send.template')).toEqual([]);
    expect(problems.at(-1)).toEqual({ path: 'steps[4].send.template', message: "there is no template named 'nope'" });
  });
});

describe('sampleRenderData', () => {
  it('gives what the send activity gives: no survey without one, no order outside per-order journeys', () => {
    const meta = { category: 'transactional' as const, sample: { survey: { kind: 'csat' }, order: { id: 'x' }, extra: 1 } };
    const data = sampleRenderData(meta, { survey: null, entity: 'customer', category: 'transactional' });
    expect(data).not.toHaveProperty('survey');
    expect(data).not.toHaveProperty('extra');
    expect(data['order']).toBeNull();
    expect(Object.keys(data).sort()).toEqual([
      'brand',
      'business',
      'category',
      'customer',
      'links',
      'locale',
      'order',
      'owner',
      'timezone',
      'unsubscribable',
    ]);
    const withSurvey = sampleRenderData(meta, { survey: 'nps', entity: 'order', category: 'marketing' });
    expect((withSurvey['survey'] as { options: unknown[] }).options).toHaveLength(11);
    expect(withSurvey['category']).toBe('marketing');
    expect((withSurvey['order'] as { id: string }).id).toBe('x');
  });
});
