// Locale variants of templates: every shipped template renders in every shipped locale with its
// sample data; the store chooses fr-CA -> fr -> default; a variant is complete or absent; and
// validation checks every variant, naming the variant's own file.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderContext } from '../../../core/messaging/render.ts';
import type { TemplateUse } from '../../../core/messaging/template-variables.ts';
import { readShippedJourneys } from '../../../journey-store/journey-versions.ts';
import { sampleRenderData } from '../../../messaging/render-data.ts';
import { defaultTemplatesDir, localeLookupChain, TemplateStore } from '../../../messaging/template-store.ts';
import { validateJourneyTemplates, validateTemplate } from '../../../messaging/template-validation.ts';

const shipped = new TemplateStore(defaultTemplatesDir);

/** The use each shipped template gets in the shipped journeys (a survey only in the check-in). */
function usageOf(name: string, category: 'marketing' | 'transactional', locale?: string): TemplateUse {
  return {
    survey: name === 'checkin' ? 'csat' : null,
    entity: ['checkin', 'review-request', 'service-recovery'].includes(name) ? 'order' : 'customer',
    category,
    ...(locale ? { locale } : {}),
  };
}

/** Words that give away the language of a rendered email, in its text and HTML. */
const marks: Record<string, { greeting: RegExp; unsubscribe: string; foreign: RegExp }> = {
  en: { greeting: /^Hi Ada,/, unsubscribe: 'Unsubscribe', foreign: /Bonjour|Hallo|désabonner|Abmelden/ },
  fr: { greeting: /^Bonjour Ada,/, unsubscribe: 'Se désabonner', foreign: /\bHi\b|Hallo|Unsubscribe|Abmelden|How happy/ },
  de: { greeting: /^Hallo Ada,/, unsubscribe: 'Abmelden', foreign: /\bHi\b|Bonjour|Unsubscribe|désabonner|How happy/ },
};

describe('the shipped locales', () => {
  it('every shipped template has a French and a German variant, complete, and nothing wrong with its files', async () => {
    const names = await shipped.list();
    expect(names).toEqual(expect.arrayContaining(['checkin', 'winback']));
    for (const name of names) {
      expect([name, await shipped.variants(name)]).toEqual([name, ['de', 'fr']]);
      expect([name, await shipped.variantProblems(name)]).toEqual([name, []]);
    }
  });

  it('every shipped template renders in every shipped locale (each variant) with its sample data', async () => {
    const names = await shipped.list();
    let rendered = 0;
    for (const name of names) {
      for (const variant of [null, ...(await shipped.variants(name))]) {
        const template = await shipped.get(name, variant);
        expect(template.variant).toBe(variant);
        const language = variant ?? 'en';
        expect(template.locale).toBe(language);
        const mark = marks[language];
        if (!mark) throw new Error(`no marks for ${language}`);
        for (const category of ['transactional', 'marketing'] as const) {
          if (template.meta.category === 'marketing' && category === 'transactional') continue;
          const data = sampleRenderData(template.meta, usageOf(name, category, language));
          const email = template.compiled.render(data);
          const where = `${name} (${language}, ${category})`;
          expect([where, email.subject.length > 5]).toEqual([where, true]);
          expect([where, email.subject]).not.toEqual([where, expect.stringMatching(/[\r\n]|\{\{/)]);
          expect([where, email.html]).toEqual([where, expect.stringContaining(`<html lang="${language}">`)]);
          expect([where, email.text]).toEqual([where, expect.stringMatching(mark.greeting)]);
          expect([where, mark.foreign.test(email.text) || mark.foreign.test(email.html)]).toEqual([where, false]);
          expect([where, email.text]).toEqual([where, expect.stringContaining('Northwind Outfitters, 1 Harbour Street')]);
          // Marketing and check-ins with a survey carry the unsubscribe link; service messages do not.
          if (category === 'marketing' || name === 'checkin') {
            expect([where, email.html]).toEqual([where, expect.stringContaining(`${mark.unsubscribe}</a>`)]);
            expect([where, email.text]).toEqual([where, expect.stringContaining(`${mark.unsubscribe}`)]);
            expect(email.text).toContain(String((data['links'] as { unsubscribe: string }).unsubscribe));
          } else {
            expect([where, email.text.includes(mark.unsubscribe)]).toEqual([where, false]);
          }
          rendered++;
        }
      }
    }
    expect(rendered).toBeGreaterThanOrEqual(names.length * 3);
  });

  it('formats money in the customer locale, whatever the variant', async () => {
    const checkin = await shipped.get('checkin', 'fr-CA');
    expect(checkin.variant).toBe('fr');
    const data = sampleRenderData(checkin.meta, usageOf('checkin', 'transactional', 'fr-CA'));
    const email = checkin.compiled.render({ ...data, order: { ...(data['order'] as object), total: 1234.5, currency: 'CAD' } });
    expect(email.text).toContain('Total\u00a0: 1\u00a0234,50\u00a0$');
    const german = await shipped.get('checkin', 'de-DE');
    const germanEmail = german.compiled.render(sampleRenderData(german.meta, usageOf('checkin', 'transactional', 'de-DE')));
    expect(germanEmail.text).toContain('Gesamtbetrag: 129,50\u00a0€');
  });

  it('words the survey question in the variant language by its kind (the engine gives it in English)', async () => {
    for (const [locale, csat, nps] of [
      ['fr', 'Êtes-vous satisfait de votre commande', 'Recommanderiez-vous Northwind Outfitters à un proche'],
      ['de', 'Wie zufrieden sind Sie mit Ihrer Bestellung?', 'Wie wahrscheinlich ist es, dass Sie Northwind Outfitters weiterempfehlen?'],
    ] as const) {
      const template = await shipped.get('checkin', locale);
      for (const [kind, question] of [
        ['csat', csat],
        ['nps', nps],
      ] as const) {
        const email = template.compiled.render(
          sampleRenderData(template.meta, { ...usageOf('checkin', 'transactional', locale), survey: kind }),
        );
        expect(email.html).toContain(question);
        expect(email.text).toContain(question);
        expect(email.text).not.toContain('How happy');
        expect(email.text).not.toContain('How likely');
        // One link per answer, the engine's own, signed for this message.
        expect(email.text.match(/https:\/\/aftercare\.example\/s\/\S+/g)).toHaveLength(kind === 'csat' ? 5 : 11);
      }
    }
  });

  it('greets naturally when the name is unknown', async () => {
    const expected = { en: 'Hi there,', fr: 'Bonjour à vous,', de: 'Hallo,' } as const;
    const subjects = {
      en: 'there, it has been a while',
      fr: 'Bonjour, cela fait longtemps !',
      de: 'Hallo, wir haben Sie vermisst',
    } as const;
    for (const language of ['en', 'fr', 'de'] as const) {
      const template = await shipped.get('winback', language);
      const data = sampleRenderData(template.meta, usageOf('winback', 'marketing', language));
      const email = template.compiled.render({ ...data, customer: { name: '', email: 'x@example.com', attributes: {} } } as RenderContext);
      expect(email.text.split('\n')[0]).toBe(expected[language]);
      expect(email.subject).toBe(subjects[language]);
    }
  });

  it('renders hostile names harmlessly in every variant', async () => {
    const hostile = '"><img src=x onerror=alert(1)><script>alert(1)</script>';
    for (const name of await shipped.list()) {
      for (const variant of await shipped.variants(name)) {
        const template = await shipped.get(name, variant);
        const data = sampleRenderData(template.meta, usageOf(name, 'marketing', variant));
        const email = template.compiled.render({
          ...data,
          customer: { name: hostile, email: 'x@example.com', attributes: {} },
          owner: { name: hostile },
          business: { ...(data['business'] as object), name: hostile },
        } as RenderContext);
        expect([name, variant, /<script|<img|\son\w+=/i.test(email.html)]).toEqual([name, variant, false]);
      }
    }
  });

  it('passes validation for every shipped journey, every variant included', async () => {
    for (const journey of await readShippedJourneys()) {
      expect([journey.key, await validateJourneyTemplates(journey, new TemplateStore())]).toEqual([journey.key, []]);
    }
    for (const name of await shipped.list()) {
      const meta = (await shipped.get(name)).meta;
      expect([name, await validateTemplate(shipped, name, usageOf(name, meta.category))]).toEqual([name, []]);
      expect([name, await validateTemplate(shipped, name, usageOf(name, 'marketing'))]).toEqual([name, []]);
    }
  });
});

describe('choosing a variant', () => {
  const cases: [string | null | undefined, string | null][] = [
    ['fr-CA', 'fr'],
    ['fr-ca', 'fr'],
    ['fr_CA', 'fr'],
    ['FR', 'fr'],
    ['fr', 'fr'],
    ['fr-Latn-CA-u-ca-gregory', 'fr'],
    ['de', 'de'],
    ['de-AT', 'de'],
    ['de-CH', 'de'],
    ['pt-BR', null],
    ['pt', null],
    ['en-GB', null],
    ['en', null],
    ['', null],
    [null, null],
    [undefined, null],
    ['not a locale!', null],
    ['x-private', null],
  ];

  it.each(cases)('%s -> %s', async (locale, variant) => {
    const template = await shipped.get('checkin', locale);
    expect(template.variant).toBe(variant);
    expect(template.locale).toBe(variant ?? 'en');
  });

  it('builds the RFC 4647 lookup chain, most specific first', () => {
    expect(localeLookupChain('fr-CA')).toEqual(['fr-CA', 'fr']);
    expect(localeLookupChain('zh-hant-tw')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh']);
    expect(localeLookupChain('en_US')).toEqual(['en-US', 'en']);
    expect(localeLookupChain('de-DE-u-co-phonebk')).toEqual(['de-DE', 'de']);
    expect(localeLookupChain(' pt-BR ')).toEqual(['pt-BR', 'pt']);
    expect(localeLookupChain(null)).toEqual([]);
    expect(localeLookupChain('')).toEqual([]);
  });

  it('compiles each (template, variant) once: fr, fr-CA and fr-ca share one compiled template', async () => {
    const store = new TemplateStore(defaultTemplatesDir);
    const fr = await store.get('checkin', 'fr');
    expect(await store.get('checkin', 'fr-CA')).toBe(fr);
    expect(await store.get('checkin', 'fr-ca')).toBe(fr);
    expect(await store.get('checkin', 'pt-BR')).toBe(await store.get('checkin'));
    expect(await store.get('checkin', 'de')).not.toBe(fr);
    expect((await store.get('checkin')).compiled).toBe((await store.get('checkin', 'en-US')).compiled);
  });

  it('keeps the default files and their partials for a locale without a variant: no French footer on an English email', async () => {
    const template = await shipped.get('winback', 'pt-BR');
    const data = sampleRenderData(template.meta, usageOf('winback', 'marketing', 'pt-BR'));
    const email = template.compiled.render(data);
    expect(email.subject).toBe('Ada, it has been a while');
    expect(email.html).toContain('>Unsubscribe</a>');
    expect(email.text).toContain('Unsubscribe: https://aftercare.example/u/eyJj');
    expect(email.html).not.toContain('désabonner');
  });

  it('lists templates as before: variants are not templates', async () => {
    expect(await shipped.list()).toEqual(['at-risk-checkin', 'checkin', 'review-request', 'service-recovery', 'winback', 'winback-offer']);
  });
});

describe('variants on disk', () => {
  let dir: string;
  let store: TemplateStore;

  const write = (path: string, text: string) => writeFileSync(join(dir, path), text);
  /** A template folder copied from the shipped win-back (default, fr and de files), then changed. */
  const folder = (name: string, files: Record<string, string> = {}) => {
    cpSync(join(defaultTemplatesDir, 'winback'), join(dir, name), { recursive: true });
    for (const [file, text] of Object.entries(files)) write(join(name, file), text);
  };
  const use = { survey: null, entity: 'customer', category: 'marketing' } as const;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-locales-'));
    cpSync(join(defaultTemplatesDir, '_partials'), join(dir, '_partials'), { recursive: true });
    // A Canadian French variant of one template, and a Canadian footer for every template.
    folder('canadian', {
      'subject.fr-CA.hbs': '{{firstName customer.name "Allô"}}, ça fait un bail !',
      'html.fr-CA.hbs': '{{#> layout}}<p>Allô {{firstName customer.name "toi"}}!</p>{{/layout}}',
      'text.fr-CA.hbs': 'Allô {{firstName customer.name "toi"}}!\n\n{{> text-footer}}',
    });
    write('_partials/text-footer.fr-CA.hbs', '--\n{{business.name}}\nPour vous désabonner : {{links.unsubscribe}}');
    // Half a Spanish variant: never sent, always reported.
    folder('half-spanish', { 'subject.es.hbs': '{{firstName customer.name "Hola"}}, ¡cuánto tiempo!' });
    folder('bad-tag', { 'html.fr_CA!.hbs': '<p>{{customer.name}}</p>' });
    folder('typo-fr', { 'html.fr.hbs': '{{#> layout}}<p>Bonjour {{customer.nmae}}</p>{{/layout}}' });
    folder('no-link-de', { 'text.de.hbs': 'Hallo {{firstName customer.name ""}},\n\nbis bald.' });
    folder('partial-typo', {});
    store = new TemplateStore(dir);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('chooses fr-CA before fr, and each partial on its own by the variant locale', async () => {
    expect(await store.variants('canadian')).toEqual(['de', 'fr', 'fr-CA']);
    const canadian = await store.get('canadian', 'fr-CA');
    expect(canadian.variant).toBe('fr-CA');
    const data = sampleRenderData(canadian.meta, { ...use, locale: 'fr-CA' });
    const email = canadian.compiled.render(data);
    expect(email.subject).toBe('Ada, ça fait un bail !');
    expect(email.text).toContain('Pour vous désabonner : https://aftercare.example/u/eyJj'); // text-footer.fr-CA
    expect(email.html).toContain('>Se désabonner</a>'); // no layout.fr-CA: layout.fr
    // A customer in plain fr gets the fr variant and the fr partials, never fr-CA's.
    const french = await store.get('canadian', 'fr');
    expect(french.variant).toBe('fr');
    const frenchEmail = french.compiled.render(sampleRenderData(french.meta, { ...use, locale: 'fr' }));
    expect(frenchEmail.text).toContain('Se désabonner\u00a0: https://aftercare.example/u/eyJj');
    expect(frenchEmail.text).not.toContain('Pour vous désabonner');
    // A template without a fr-CA variant sends its fr one to a fr-CA customer, with the fr partials:
    // partials follow the variant chosen, so one email never mixes two variants.
    const other = await store.get('partial-typo', 'fr-CA');
    expect(other.variant).toBe('fr');
    const otherEmail = other.compiled.render(sampleRenderData(other.meta, { ...use, locale: 'fr-CA' }));
    expect(otherEmail.text).toContain('Se désabonner\u00a0: https://aftercare.example/u/eyJj');
  });

  it('treats a variant without all three files as absent, and reports it', async () => {
    expect(await store.variants('half-spanish')).toEqual(['de', 'fr']);
    const spanish = await store.get('half-spanish', 'es-MX');
    expect(spanish.variant).toBeNull();
    expect(spanish.locale).toBe('en');
    expect(await store.variantProblems('half-spanish')).toEqual([
      "templates/half-spanish: the 'es' variant has subject.es.hbs but not html.es.hbs or text.es.hbs: a variant needs all three files, and until it has them the default files are sent",
    ]);
    expect(await validateTemplate(store, 'half-spanish', use)).toEqual(await store.variantProblems('half-spanish'));
  });

  it('reports a file whose locale is not a tag', async () => {
    expect(await validateTemplate(store, 'bad-tag', use)).toEqual([
      "templates/bad-tag/html.fr_CA!.hbs: 'fr_CA!' is not a BCP-47 locale tag (e.g. fr, fr-CA, de)",
    ]);
  });

  it("names a variant's typo by the variant's file", async () => {
    expect(await validateTemplate(store, 'typo-fr', use)).toEqual([
      "templates/typo-fr/html.fr.hbs: 'customer.nmae' is not in the data (line 1)",
    ]);
  });

  it('requires the unsubscribe link in every variant of a marketing email', async () => {
    expect(await validateTemplate(store, 'no-link-de', use)).toEqual([
      'templates/no-link-de/text.de.hbs: a marketing email must show the unsubscribe link ({{links.unsubscribe}})',
    ]);
  });

  it("names a typo in a partial's variant by the partial variant's file", async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'aftercare-locales-partials-'));
    try {
      cpSync(dir, fresh, { recursive: true });
      writeFileSync(join(fresh, '_partials', 'layout.de.hbs'), '<html lang="{{locale}}">{{> @partial-block}}{{business.nmae}}</html>');
      const problems = await validateTemplate(new TemplateStore(fresh), 'partial-typo', use);
      expect(problems).toEqual(["templates/_partials/layout.de.hbs: 'business.nmae' is not in the data (line 1)"]);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('serves a variant from the first fetch to every later one without reading the disk again', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'aftercare-locales-cache-'));
    try {
      cpSync(dir, fresh, { recursive: true });
      const cached = new TemplateStore(fresh);
      const before = await cached.get('canadian', 'fr-CA');
      rmSync(join(fresh, 'canadian'), { recursive: true, force: true });
      expect(await cached.get('canadian', 'fr-CA')).toBe(before);
      expect(await cached.get('canadian', 'FR-ca')).toBe(before);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
