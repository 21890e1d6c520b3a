// The pages a customer opens speak their language: every language says everything English says, and
// a regional locale falls back to its language, then to English.
import { describe, expect, it } from 'vitest';
import { pageCatalogs, pageText } from '../../messaging/page-text.ts';

describe('page wording', () => {
  it('every language has every key English has, and no key English lacks', () => {
    const catalogs = pageCatalogs();
    const english = Object.keys(catalogs.get('en') ?? {}).sort();
    expect(english.length).toBeGreaterThan(20);
    for (const [language, catalog] of catalogs) expect([language, Object.keys(catalog).sort()]).toEqual([language, english]);
  });

  it('falls back from region to language to English', () => {
    expect(pageText('fr-CA').t('survey.submit')).toBe('Envoyer ma réponse');
    expect(pageText('de-AT').lang).toBe('de');
    expect(pageText('ja-JP').t('survey.submit')).toBe('Send my answer');
    expect(pageText(null).lang).toBe('en');
    expect(pageText('fr').t('survey.nps.question', { business: 'Northwind' })).toBe('Recommanderiez-vous Northwind à un proche ?');
  });
});
