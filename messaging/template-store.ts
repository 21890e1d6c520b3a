// Reads template folders from disk once and keeps them compiled: one compiled template per
// (template, locale variant).
//
// Locale variants. Beside its default files (`subject.hbs`, `html.hbs`, `text.hbs`), a template
// folder may hold variants named by a BCP-47 tag: `subject.fr.hbs`, `html.fr.hbs`, `text.fr.hbs`,
// `subject.fr-CA.hbs`, and so on.
// - A variant is complete or absent: it has all three files or it is never used. Files do not fall
//   back one by one (a French subject over an English body is worse than an English email); a variant
//   that lacks a file is skipped when sending, and `variantProblems` (so `validateTemplate`) reports it,
//   so it fails at publish time and in the test over the shipped templates, never at send time.
// - `get(name, locale)` chooses by RFC 4647 lookup: the customer's tag, then the tag with its last
//   subtag removed, and so on (`fr-CA` -> `fr`; `zh-Hant-TW` -> `zh-Hant` -> `zh`), then the default
//   files. Tags match case-insensitively (`fr-ca` finds `fr-CA`), `_` reads as `-`, extensions
//   (`-u-...`, `-x-...`) are ignored. A more specific variant never serves a less specific request:
//   a customer in `fr` does not get `fr-CA`.
// - Partials (`_partials/`) may have variants too (`layout.fr.hbs`). Each partial is chosen on its own,
//   by the same lookup from the locale of the template variant chosen (not the customer's), so an
//   email that fell back to the default files never gets a French footer. Partial names have no dots.
// - The default files are written in `template.json`'s `locale` (`en` when absent). A loaded template
//   says which variant it is (`variant`, null for the default files) and in which language it is
//   written (`locale`): that is what the message row records.
// - Formatting (money, dates) follows the render data's `locale`, the customer's own: a fr-CA customer
//   reads the `fr` text with Canadian formatting.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompiledTemplate, compileTemplate, type TemplateSources } from '../core/messaging/render.ts';

export const defaultTemplatesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates');

export type TemplateMeta = {
  description: string;
  category: 'transactional' | 'marketing';
  sample: Record<string, unknown>;
  /** The language of the default files (`en` when absent). */
  locale?: string;
};

export type LoadedTemplate = {
  name: string;
  meta: TemplateMeta;
  /** The variant used: its tag as the files spell it (`fr`, `fr-CA`), or null for the default files. */
  variant: string | null;
  /** The language the email is written in: the variant's tag, or the default files' `meta.locale ?? 'en'`. */
  locale: string;
  compiled: CompiledTemplate;
};

/** One variant's sources, with the file each part and partial came from (`templates/checkin/html.fr.hbs`). */
export type VariantSources = TemplateSources & {
  variant: string | null;
  files: { subject: string; html: string; text: string };
  partialFiles: Record<string, string>;
};

export class TemplateNotFoundError extends Error {}

const parts = ['subject', 'html', 'text'] as const;
type Part = (typeof parts)[number];

type FolderIndex = {
  meta: TemplateMeta;
  /** Complete variants: lower-case tag -> the tag and the file of each part. */
  variants: Map<string, { tag: string; files: Record<Part, string> }>;
  problems: string[];
};

/** Partial name -> lower-case tag ('' for the default file) -> the partial's file and source. */
type PartialIndex = Map<string, Map<string, { file: string; source: string }>>;

/** The canonical form of a BCP-47 tag (`fr-ca` -> `fr-CA`), or null when it is not one. */
function canonicalTag(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * The tags to try for a customer's locale, most specific first (RFC 4647 lookup): `fr-CA` ->
 * `['fr-CA', 'fr']`. Empty for no locale. A string that is not a BCP-47 tag is tried as written.
 */
export function localeLookupChain(locale: string | null | undefined): string[] {
  const written = (locale ?? '').trim().replaceAll('_', '-');
  if (written === '') return [];
  const subtags = (canonicalTag(written) ?? written).split('-');
  // Extensions and private use (`-u-ca-gregory`, `-x-foo`) say nothing about the language.
  const singleton = subtags.findIndex((subtag, index) => index > 0 && subtag.length === 1);
  if (singleton > 0) subtags.length = singleton;
  if ((subtags[0] ?? '').length <= 1) return [];
  const chain: string[] = [];
  for (let n = subtags.length; n > 0; n--) chain.push(subtags.slice(0, n).join('-'));
  return chain;
}

/** Bounds the per-locale resolution cache (customer locales are few; junk must not grow it forever). */
const maxResolved = 2_000;

export class TemplateStore {
  /** (name, variant) -> the compiled template. */
  private readonly compiled = new Map<string, Promise<LoadedTemplate>>();
  /** (name, requested locale) -> the compiled template of the variant it resolves to. */
  private readonly resolved = new Map<string, Promise<LoadedTemplate>>();
  private readonly folders = new Map<string, Promise<FolderIndex>>();
  private partials: Promise<PartialIndex> | undefined;

  constructor(readonly dir: string = defaultTemplatesDir) {}

  async list(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_'))
      .map((entry) => entry.name)
      .sort();
  }

  /**
   * The template in the best variant for `locale` (see the rules at the top of this file), compiled
   * once and cached. Without a locale: the default files.
   */
  get(name: string, locale?: string | null): Promise<LoadedTemplate> {
    const key = `${name}\u0000${locale ?? ''}`;
    let loaded = this.resolved.get(key);
    if (!loaded) {
      if (this.resolved.size >= maxResolved) this.resolved.clear();
      loaded = this.resolve(name, locale ?? null);
      loaded.catch(() => this.resolved.delete(key));
      this.resolved.set(key, loaded);
    }
    return loaded;
  }

  /** The tags of a template's complete locale variants, sorted (`['de', 'fr']`); the default files are not listed. */
  async variants(name: string): Promise<string[]> {
    const index = await this.folder(name);
    return [...index.variants.values()].map((variant) => variant.tag).sort();
  }

  /**
   * What is wrong with a template's variants, as sentences that start with the file or folder: a
   * variant without all three files, a file whose locale is not a BCP-47 tag. Empty when all is well.
   */
  async variantProblems(name: string): Promise<string[]> {
    return [...(await this.folder(name)).problems];
  }

  /** The sources of one variant (null: the default files), with its partials chosen for that variant. */
  async sources(name: string, variant: string | null = null): Promise<VariantSources> {
    const index = await this.folder(name);
    let files: Record<Part, string> = { subject: 'subject.hbs', html: 'html.hbs', text: 'text.hbs' };
    let tag: string | null = null;
    if (variant !== null) {
      const found = index.variants.get(variant.toLowerCase()) ?? index.variants.get((canonicalTag(variant) ?? variant).toLowerCase());
      if (!found) throw new TemplateNotFoundError(`Template '${name}' has no complete '${variant}' variant.`);
      files = found.files;
      tag = found.tag;
    }
    const read = (file: string) => readFile(join(this.dir, name, file), 'utf8');
    const [subject, html, text, partialIndex] = await Promise.all([
      read(files.subject),
      read(files.html),
      read(files.text),
      this.loadPartials(),
    ]);
    const chain = [...localeLookupChain(tag).map((t) => t.toLowerCase()), ''];
    const partials: Record<string, string> = {};
    const partialFiles: Record<string, string> = {};
    for (const [partialName, byTag] of partialIndex) {
      const chosen = chain.map((t) => byTag.get(t)).find((entry) => entry !== undefined);
      if (!chosen) continue;
      partials[partialName] = chosen.source;
      partialFiles[partialName] = `templates/_partials/${chosen.file}`;
    }
    return {
      name,
      variant: tag,
      subject,
      html,
      text,
      partials,
      files: {
        subject: `templates/${name}/${files.subject}`,
        html: `templates/${name}/${files.html}`,
        text: `templates/${name}/${files.text}`,
      },
      partialFiles,
    };
  }

  private async resolve(name: string, locale: string | null): Promise<LoadedTemplate> {
    const index = await this.folder(name);
    const variant = localeLookupChain(locale)
      .map((tag) => index.variants.get(tag.toLowerCase()))
      .find((found) => found !== undefined);
    return this.compiledVariant(name, variant?.tag ?? null);
  }

  private compiledVariant(name: string, variant: string | null): Promise<LoadedTemplate> {
    const key = `${name}\u0000${variant ?? ''}`;
    let loaded = this.compiled.get(key);
    if (!loaded) {
      loaded = (async () => {
        const [index, sources] = await Promise.all([this.folder(name), this.sources(name, variant)]);
        return {
          name,
          meta: index.meta,
          variant,
          locale: variant ?? index.meta.locale ?? 'en',
          compiled: compileTemplate(sources),
        };
      })();
      loaded.catch(() => this.compiled.delete(key));
      this.compiled.set(key, loaded);
    }
    return loaded;
  }

  private folder(name: string): Promise<FolderIndex> {
    let index = this.folders.get(name);
    if (!index) {
      index = this.readFolder(name);
      index.catch(() => this.folders.delete(name));
      this.folders.set(name, index);
    }
    return index;
  }

  private async readFolder(name: string): Promise<FolderIndex> {
    if (!/^[a-z0-9][a-z0-9-_]*$/.test(name)) throw new TemplateNotFoundError(`No template named '${name}'.`);
    const dir = join(this.dir, name);
    let metaText: string;
    try {
      metaText = await readFile(join(dir, 'template.json'), 'utf8');
    } catch {
      throw new TemplateNotFoundError(`No template named '${name}'.`);
    }
    const meta = JSON.parse(metaText) as TemplateMeta;
    const problems: string[] = [];
    const found = new Map<string, { tag: string; files: Partial<Record<Part, string>> }>();
    for (const file of (await readdir(dir)).sort()) {
      const match = /^(subject|html|text)\.(.+)\.hbs$/.exec(file);
      if (!match) continue;
      const written = match[2] as string;
      const tag = canonicalTag(written);
      if (tag === null || tag.includes('.')) {
        problems.push(`templates/${name}/${file}: '${written}' is not a BCP-47 locale tag (e.g. fr, fr-CA, de)`);
        continue;
      }
      const key = tag.toLowerCase();
      const entry = found.get(key) ?? { tag, files: {} };
      entry.files[match[1] as Part] = file;
      found.set(key, entry);
    }
    const variants: FolderIndex['variants'] = new Map();
    for (const [key, entry] of found) {
      const missing = parts.filter((part) => entry.files[part] === undefined);
      if (missing.length === 0) {
        variants.set(key, { tag: entry.tag, files: entry.files as Record<Part, string> });
      } else {
        const has = parts.filter((part) => entry.files[part] !== undefined).map((part) => entry.files[part]);
        problems.push(
          `templates/${name}: the '${entry.tag}' variant has ${has.join(' and ')} but not ${missing
            .map((part) => `${part}.${entry.tag}.hbs`)
            .join(' or ')}: a variant needs all three files, and until it has them the default files are sent`,
        );
      }
    }
    return { meta, variants, problems };
  }

  private loadPartials(): Promise<PartialIndex> {
    this.partials ??= (async () => {
      const dir = join(this.dir, '_partials');
      const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.endsWith('.hbs')).sort();
      const index: PartialIndex = new Map();
      await Promise.all(
        files.map(async (file) => {
          const source = await readFile(join(dir, file), 'utf8');
          const stem = file.slice(0, -'.hbs'.length);
          const dot = stem.indexOf('.');
          const tag = dot > 0 ? canonicalTag(stem.slice(dot + 1)) : null;
          // `layout.fr.hbs` is the `fr` variant of `layout`; a name whose suffix is not a tag is a name.
          const partialName = tag === null ? stem : stem.slice(0, dot);
          const byTag = index.get(partialName) ?? new Map<string, { file: string; source: string }>();
          byTag.set(tag === null ? '' : tag.toLowerCase(), { file, source });
          index.set(partialName, byTag);
        }),
      );
      return index;
    })();
    return this.partials;
  }
}
