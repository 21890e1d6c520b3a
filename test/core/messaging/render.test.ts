import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTemplate, type TemplateSources } from '../../../core/messaging/render.ts';
import { sampleRenderData } from '../../../messaging/render-data.ts';

const templatesDir = join(import.meta.dirname, '..', '..', '..', 'templates');
const read = (...parts: string[]) => readFileSync(join(templatesDir, ...parts), 'utf8');

function sources(name: string): TemplateSources {
  return {
    name,
    subject: read(name, 'subject.hbs'),
    html: read(name, 'html.hbs'),
    text: read(name, 'text.hbs'),
    partials: Object.fromEntries(
      readdirSync(join(templatesDir, '_partials')).map((file) => [basename(file, '.hbs'), read('_partials', file)]),
    ),
  };
}

/** The check-in's data as a send gives it (brand, links), with its sample's customer and order. */
const sample = sampleRenderData(JSON.parse(read('checkin', 'template.json')), {
  survey: 'csat',
  entity: 'order',
  category: 'transactional',
});

describe('rendering the check-in', () => {
  const checkin = compileTemplate(sources('checkin'));

  it('greets by first name and formats the total in the customer locale', () => {
    const fr = checkin.render({ ...sample, locale: 'fr-FR', timezone: 'Europe/Paris' });
    expect(fr.subject).toBe('Ada, how is your order going?');
    expect(fr.text).toContain('Total: 129,50\u00a0€');
    const us = checkin.render({ ...sample, locale: 'en-US', timezone: 'America/New_York' });
    expect(us.text).toContain('Total: €129.50');
  });

  it('falls back to a friendly greeting when the name is unknown', () => {
    const rendered = checkin.render({ ...sample, customer: { name: '', email: 'x@y.z' }, locale: 'en', timezone: 'UTC' });
    expect(rendered.subject).toBe('there, how is your order going?');
  });

  it('escapes customer data in HTML', () => {
    const rendered = checkin.render({
      ...sample,
      customer: { name: '<script>alert(1)</script>', email: 'x@y.z' },
      locale: 'en',
      timezone: 'UTC',
    });
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.html).toContain('&lt;script&gt;');
  });

  it('fails on a variable the data does not have, instead of rendering a blank', () => {
    const broken = compileTemplate({ ...sources('checkin'), subject: 'Hello {{customer.nmae}}' });
    expect(() => broken.render({ ...sample, locale: 'en', timezone: 'UTC' })).toThrow(/nmae/);
  });

  it('fails on a helper it does not know', () => {
    expect(() =>
      compileTemplate({ ...sources('checkin'), subject: '{{shout customer.name}}' }).render({ ...sample, locale: 'en', timezone: 'UTC' }),
    ).toThrow();
  });
});

describe('every shipped template', () => {
  const names = readdirSync(templatesDir).filter((name) => !name.startsWith('_'));
  const locales = ['en', 'en-US', 'en-GB', 'fr-FR', 'de-DE', 'fr-CA', 'ja-JP'];

  it.each(names)('%s renders with its sample data in every locale we format for', (name) => {
    const meta = JSON.parse(read(name, 'template.json')) as { category: 'marketing' | 'transactional'; sample: Record<string, unknown> };
    const template = compileTemplate(sources(name));
    const data = sampleRenderData(meta, { survey: name === 'checkin' ? 'csat' : null, entity: 'order', category: meta.category });
    for (const locale of locales) {
      const rendered = template.render({ ...data, locale, timezone: 'Europe/Paris' });
      expect(rendered.subject.length).toBeGreaterThan(5);
      expect(rendered.html).toContain('<html');
      expect(rendered.text.length).toBeGreaterThan(20);
      if (meta.category === 'marketing') {
        expect(rendered.html).toContain('Unsubscribe');
        expect(rendered.text).toContain('Unsubscribe');
      }
    }
  });
});
