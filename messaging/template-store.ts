// Reads template folders from disk once and keeps them compiled.
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompiledTemplate, compileTemplate } from '../core/messaging/render.ts';

export const defaultTemplatesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates');

export type TemplateMeta = {
  description: string;
  category: 'transactional' | 'marketing';
  sample: Record<string, unknown>;
};

export type LoadedTemplate = { name: string; meta: TemplateMeta; compiled: CompiledTemplate };

export class TemplateNotFoundError extends Error {}

export class TemplateStore {
  private readonly cache = new Map<string, Promise<LoadedTemplate>>();
  private partials: Promise<Record<string, string>> | undefined;

  constructor(readonly dir: string = defaultTemplatesDir) {}

  async list(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_'))
      .map((entry) => entry.name)
      .sort();
  }

  get(name: string): Promise<LoadedTemplate> {
    let loaded = this.cache.get(name);
    if (!loaded) {
      loaded = this.load(name);
      loaded.catch(() => this.cache.delete(name));
      this.cache.set(name, loaded);
    }
    return loaded;
  }

  private loadPartials(): Promise<Record<string, string>> {
    this.partials ??= (async () => {
      const dir = join(this.dir, '_partials');
      const files = (await readdir(dir).catch(() => [])).filter((file) => file.endsWith('.hbs'));
      const entries = await Promise.all(
        files.map(async (file) => [basename(file, '.hbs'), await readFile(join(dir, file), 'utf8')] as const),
      );
      return Object.fromEntries(entries);
    })();
    return this.partials;
  }

  private async load(name: string): Promise<LoadedTemplate> {
    if (!/^[a-z0-9][a-z0-9-_]*$/.test(name)) throw new TemplateNotFoundError(`No template named '${name}'.`);
    const dir = join(this.dir, name);
    const read = (file: string) => readFile(join(dir, file), 'utf8');
    let metaText: string;
    try {
      metaText = await read('template.json');
    } catch {
      throw new TemplateNotFoundError(`No template named '${name}'.`);
    }
    const [subject, html, text, partials] = await Promise.all([
      read('subject.hbs'),
      read('html.hbs'),
      read('text.hbs'),
      this.loadPartials(),
    ]);
    const meta = JSON.parse(metaText) as TemplateMeta;
    return { name, meta, compiled: compileTemplate({ name, subject, html, text, partials }) };
  }
}
