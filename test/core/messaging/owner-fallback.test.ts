import { describe, expect, it } from 'vitest';
import { renderData } from '../../../messaging/render-data.ts';
import { TemplateStore } from '../../../messaging/template-store.ts';

const settings = {
  secret: 'owner-test-secret-0123456789abcdefghijkl',
  publicUrl: 'https://aftercare.test',
  businessName: 'Northwind',
  businessAddress: 'Bristol',
};
const subject = (ownerName: string | null, locale: string) => ({
  customer: { id: 'c1', name: 'Ada Lovelace', email: 'ada@example.com', attributes: {} },
  order: null,
  ownerName,
  locale,
  timezone: 'Europe/Paris',
  category: 'transactional' as const,
  survey: null,
});

describe('a personal check-in without an account owner', () => {
  const store = new TemplateStore();
  it.each([
    ['en', 'We are the team at Northwind.'],
    ['fr', 'Nous sommes l’équipe de Northwind.'],
    ['de', 'wir vom Team von Northwind wollten uns'],
  ])('speaks for the team in %s, in that language', async (locale, expected) => {
    const template = await store.get('at-risk-checkin', locale);
    expect(template.compiled.render(renderData(settings, subject(null, locale))).text).toContain(expected);
  });

  it('names the owner when there is one', async () => {
    const template = await store.get('at-risk-checkin', 'en');
    expect(template.compiled.render(renderData(settings, subject('Sam Rivera', 'en'))).text).toContain('I am Sam Rivera at Northwind.');
  });
});
