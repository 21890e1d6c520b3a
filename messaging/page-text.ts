// The wording of the pages a customer opens from an email (survey, unsubscribe, link errors), in their
// language: `templates/_pages/<locale>.json`, looked up like templates (`fr-CA` -> `fr` -> the default,
// English), so a customer who got a French email answers on a French page.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultTemplatesDir, localeLookupChain } from './template-store.ts';

export type PageText = { lang: string; t: (key: string, values?: Record<string, string>) => string };

type Catalog = Record<string, string>;

function loadCatalogs(dir: string): Map<string, Catalog> {
  const catalogs = new Map<string, Catalog>();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    catalogs.set(file.slice(0, -'.json'.length).toLowerCase(), JSON.parse(readFileSync(join(dir, file), 'utf8')) as Catalog);
  }
  return catalogs;
}

let loaded: Map<string, Catalog> | null = null;
const catalogs = () => {
  loaded ??= loadCatalogs(join(defaultTemplatesDir, '_pages'));
  return loaded;
};

/** The page wording for a customer's locale; every key falls back to English when a language lacks it. */
export function pageText(locale: string | null | undefined): PageText {
  const all = catalogs();
  const english = all.get('en') ?? {};
  const chosen = localeLookupChain(locale)
    .map((tag) => all.get(tag.toLowerCase()))
    .find((catalog): catalog is Catalog => catalog !== undefined);
  const catalog = chosen ?? english;
  return {
    lang: catalog.lang ?? 'en',
    t: (key, values = {}) => (catalog[key] ?? english[key] ?? key).replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? ''),
  };
}

/** Every key of every language, for the test that no language misses one. */
export function pageCatalogs(): Map<string, Catalog> {
  return catalogs();
}
