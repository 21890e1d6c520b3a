// Template checks at publish time, so that a typo fails when a marketer publishes a journey and never
// when a customer's email is rendered.
//
// For every send step, the step's template is checked against the data the send activity will really
// give it: the engine's fields (locale, timezone, category, customer, order, owner, business,
// links.unsubscribe, and survey only when the step has one; order only for per-order journeys), with
// the values of the template's `template.json` sample laid over them. A key the sample has but the
// engine does not provide is dropped: at send time it would not be there either.
//
// Two passes:
// 1. a static walk of each file's Handlebars syntax tree (html, text, subject and the partials they
//    use), resolving every variable against that data, in helper arguments and block conditions as
//    well (Handlebars' strict mode does not check those: `{{firstName customer.nmae}}` would quietly
//    render the fallback), and reporting the variable by its full name and file;
// 2. a real render through the template store (strict, known helpers only), which catches the rest:
//    an unknown helper, a helper that throws on the sample, a missing partial.
// A marketing email must also show its unsubscribe link.
//
// Every locale variant of a template is checked the same way (the default files and each
// `*.<locale>.hbs` variant, with the partials chosen for that variant, rendered in that variant's
// locale), and a variant that lacks one of its three files is a problem in itself (see
// template-store.ts for the variant rules).
//
// Links in data must be https (http only when allowed, for development): `safeLink` refuses anything
// else, `javascript:` included, and `assertSafeLinks` checks every link of a render context.
import Handlebars from 'handlebars';
import type { JourneyDefinition } from '../core/journey/definition.ts';
import { compileTemplate } from '../core/messaging/render.ts';
import { type TemplateMeta, TemplateNotFoundError, TemplateStore } from './template-store.ts';

// ---------------------------------------------------------------------------------------------------
// Links

export type SafeLinkOptions = { allowHttp?: boolean };

/**
 * The link as an absolute https URL (http only with `allowHttp`), or null when it must not be put in
 * an email: `javascript:`, `data:`, `vbscript:`, `mailto:`, relative links, links with credentials,
 * and anything with whitespace or control characters hidden in it.
 */
export function safeLink(url: unknown, options: SafeLinkOptions = {}): string | null {
  if (typeof url !== 'string') return null;
  const trimmed = url.trim();
  // Browsers ignore tabs and newlines inside a scheme ("java\tscript:"); refuse them outright.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (trimmed === '' || /[\u0000-\u001f\u007f\s\\]/.test(trimmed)) return null;
  if (!URL.canParse(trimmed)) return null;
  const parsed = new URL(trimmed);
  const allowed = parsed.protocol === 'https:' || (parsed.protocol === 'http:' && options.allowHttp === true);
  if (!allowed || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href;
}

export class UnsafeLinkError extends Error {
  constructor(readonly paths: string[]) {
    super(`Links must be https: ${paths.join(', ')} ${paths.length === 1 ? 'is' : 'are'} not.`);
  }
}

const isLinkKey = (key: string) => key === 'url' || key === 'href' || /(Url|Link|Href)$/.test(key);

/** The paths of every link in render data that `safeLink` refuses (keys under `links`, `url`, `href`, `*Url`, `*Link`). */
export function unsafeLinks(data: unknown, options: SafeLinkOptions = {}): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string, isLink: boolean, depth: number) => {
    if (depth > 20) return;
    if (isLink && (typeof value === 'string' || value === null || typeof value !== 'object')) {
      if (value !== null && value !== undefined && safeLink(value, options) === null) found.push(path);
      return;
    }
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, `${path}[${index}]`, isLink, depth + 1);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        walk(item, path ? `${path}.${key}` : key, isLink || isLinkKey(key) || (path === '' && key === 'links'), depth + 1);
      }
    }
  };
  walk(data, '', false, 0);
  return found;
}

/** Throws `UnsafeLinkError` naming every link of the data that is not https (or http when allowed). */
export function assertSafeLinks(data: unknown, options: SafeLinkOptions = {}): void {
  const paths = unsafeLinks(data, options);
  if (paths.length > 0) throw new UnsafeLinkError(paths);
}

// ---------------------------------------------------------------------------------------------------
// The data a send gives a template

export type TemplateUse = {
  /** The step's survey, if it has one. */
  survey: 'csat' | 'nps' | null;
  /** The journey's entity: only per-order journeys have an order. */
  entity: 'order' | 'ticket' | 'customer';
  /** The journey's category (a marketing template is marketing whatever the journey says). */
  category: 'marketing' | 'transactional';
  locale?: string;
  timezone?: string;
};

const sampleBase = 'https://aftercare.example';

function surveySample(kind: 'csat' | 'nps') {
  const scores = kind === 'csat' ? [1, 2, 3, 4, 5] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return {
    kind,
    question: kind === 'csat' ? 'How happy are you with your order?' : 'How likely are you to recommend us to a friend?',
    options: scores.map((score) => ({ score, label: String(score), url: `${sampleBase}/s/sample-${score}` })),
  };
}

/** Keys whose content is the business's own data, taken from the sample as it is. */
const freeForm = new Set(['attributes', 'items']);

/** `base` with the sample's values laid over it, keeping only the keys `base` has. */
function overlay(base: Record<string, unknown>, sample: unknown): Record<string, unknown> {
  const from = sample && typeof sample === 'object' && !Array.isArray(sample) ? (sample as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    const given = from[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && !freeForm.has(key) && !(value instanceof Date)) {
      out[key] = overlay(value as Record<string, unknown>, given);
    } else {
      out[key] = given !== undefined && given !== null ? given : value;
    }
  }
  return out;
}

/** The render data of a send of this template in this use, as the send activity builds it, with the sample's values. */
export function templateRenderData(meta: Pick<TemplateMeta, 'category' | 'sample'>, use: TemplateUse): Record<string, unknown> {
  const sample = (meta.sample ?? {}) as Record<string, unknown>;
  const category = meta.category === 'marketing' || use.category === 'marketing' ? 'marketing' : 'transactional';
  const engine: Record<string, unknown> = {
    customer: { name: 'Ada Lovelace', email: 'ada@example.com', attributes: {} },
    owner: { name: 'The team' },
    business: { name: 'Example Store', address: '1 Example Street, Springfield', reviewUrl: `${sampleBase}/review` },
    links: { unsubscribe: `${sampleBase}/u/sample-token` },
  };
  const data: Record<string, unknown> = {
    locale: use.locale ?? 'en',
    timezone: use.timezone ?? 'UTC',
    category,
    ...overlay(engine, sample),
    order:
      use.entity === 'order'
        ? overlay(
            {
              id: '1001',
              total: 129.5,
              currency: 'EUR',
              items: [{ name: 'Linen shirt', quantity: 1, price: 129.5 }],
              placedAt: '2026-01-05T10:00:00.000Z',
            },
            sample['order'],
          )
        : null,
  };
  if (use.survey) {
    const given = sample['survey'] as { kind?: unknown } | undefined;
    data['survey'] = given && given.kind === use.survey ? overlay(surveySample(use.survey), given) : surveySample(use.survey);
    // The options list is the engine's: keep the sample's only when it has the same shape.
    if (!Array.isArray((data['survey'] as { options?: unknown }).options)) data['survey'] = surveySample(use.survey);
  }
  return data;
}

// ---------------------------------------------------------------------------------------------------
// Static check of the syntax tree

type Loc = { start: { line: number; column: number } };
type Expr = {
  type: string;
  loc?: Loc;
  original?: unknown;
  parts?: string[];
  depth?: number;
  data?: boolean;
  path?: Expr;
  params?: Expr[];
  hash?: { pairs: { key: string; value: Expr }[] };
};
type Program = { type: 'Program'; body: Stmt[]; blockParams?: string[] };
type Stmt = Expr & { program?: Program; inverse?: Program; name?: Expr };

type Scope = { value: unknown; label: string; known: boolean; blockParams?: Set<string> };

export type TemplateSourceSet = {
  name: string;
  subject: string;
  html: string;
  text: string;
  partials: Record<string, string>;
};

const knownHelperCache = new Map<string, boolean>();

/** Whether the engine's Handlebars environment has this helper (asked of the renderer itself, so the list cannot drift). */
function isKnownHelper(name: string): boolean {
  if (!/^[A-Za-z_$][\w$-]*$/.test(name)) return false;
  let known = knownHelperCache.get(name);
  if (known === undefined) {
    try {
      compileTemplate({ name: 'probe', subject: `{{#if false}}{{${name} 1}}{{/if}}`, html: '', text: '', partials: {} }).render({
        locale: 'en',
        timezone: 'UTC',
      });
      known = true;
    } catch (error) {
      known = !/unknown helper/.test((error as Error).message);
    }
    knownHelperCache.set(name, known);
  }
  return known;
}

const truthy = (value: unknown) => (Array.isArray(value) ? value.length > 0 : Boolean(value));

class StaticChecker {
  readonly problems: string[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly root: Record<string, unknown>,
    private readonly partials: Record<string, string>,
    private readonly use: TemplateUse,
    /** The file each partial was read from, for messages (default: `templates/_partials/<name>.hbs`). */
    private readonly partialFiles: Record<string, string> = {},
  ) {}

  private partialFile(name: string): string {
    return this.partialFiles[name] ?? `templates/_partials/${name}.hbs`;
  }

  check(file: string, source: string): void {
    let program: Program;
    try {
      program = Handlebars.parse(source) as unknown as Program;
    } catch (error) {
      this.report(file, `does not parse: ${(error as Error).message.split('\n')[0]}`);
      return;
    }
    this.program(program, file, [{ value: this.root, label: '', known: true }], [], 0);
  }

  private report(file: string, message: string, loc?: Loc) {
    const text = `${file}: ${message}${loc ? ` (line ${loc.start.line})` : ''}`;
    const key = `${file}: ${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.problems.push(text);
  }

  private program(program: Program | undefined, file: string, stack: Scope[], blocks: PartialBlock[], depth: number): void {
    if (!program) return;
    let scopes = stack;
    if (program.blockParams?.length) {
      const top = stack[stack.length - 1] as Scope;
      scopes = [...stack.slice(0, -1), { ...top, blockParams: new Set([...(top.blockParams ?? []), ...program.blockParams]) }];
    }
    for (const statement of program.body) this.statement(statement, file, scopes, blocks, depth);
  }

  private statement(node: Stmt, file: string, stack: Scope[], blocks: PartialBlock[], depth: number): void {
    switch (node.type) {
      case 'MustacheStatement':
        this.mustache(node, file, stack);
        return;
      case 'BlockStatement':
        this.block(node, file, stack, blocks, depth);
        return;
      case 'PartialStatement':
      case 'PartialBlockStatement':
        this.partial(node, file, stack, blocks, depth);
        return;
      default:
        return;
    }
  }

  private helperName(path: Expr | undefined): string | null {
    return path?.type === 'PathExpression' && !path.data && (path.depth ?? 0) === 0 && path.parts?.length === 1
      ? (path.parts[0] ?? null)
      : null;
  }

  private mustache(node: Expr, file: string, stack: Scope[]): void {
    const name = this.helperName(node.path);
    const hasArguments = (node.params?.length ?? 0) > 0 || (node.hash?.pairs.length ?? 0) > 0;
    if (hasArguments || (name !== null && isKnownHelper(name))) {
      this.helperCall(node, file, stack);
      return;
    }
    if (node.path?.type === 'PathExpression') this.lookup(node.path, file, stack, true);
  }

  private helperCall(node: Expr, file: string, stack: Scope[]): void {
    const name = this.helperName(node.path);
    if (name === null || !isKnownHelper(name)) {
      this.report(file, `'${String(node.path?.original ?? '?')}' is not a known helper`, node.loc);
    }
    for (const param of node.params ?? []) this.expression(param, file, stack);
    for (const pair of node.hash?.pairs ?? []) this.expression(pair.value, file, stack);
  }

  private expression(node: Expr, file: string, stack: Scope[]): void {
    if (node.type === 'SubExpression') this.helperCall(node, file, stack);
    else if (node.type === 'PathExpression') this.lookup(node, file, stack, true);
  }

  private block(node: Stmt, file: string, stack: Scope[], blocks: PartialBlock[], depth: number): void {
    const name = this.helperName(node.path);
    const first = node.params?.[0];
    const current = stack[stack.length - 1] as Scope;
    if ((name === 'if' || name === 'unless') && first) {
      if (first.type === 'PathExpression') {
        // A condition may name something absent: that is what it tests.
        const found = this.lookup(first, file, stack, false);
        if (found.known) {
          const yes = truthy(found.value) === (name === 'if');
          this.program(yes ? node.program : node.inverse, file, stack, blocks, depth);
          return;
        }
      } else {
        this.expression(first, file, stack);
      }
      this.program(node.program, file, stack, blocks, depth);
      this.program(node.inverse, file, stack, blocks, depth);
      return;
    }
    if ((name === 'each' || name === 'with') && first) {
      const found = first.type === 'PathExpression' ? this.lookup(first, file, stack, true) : { known: false, value: undefined, label: '' };
      if (first.type !== 'PathExpression') this.expression(first, file, stack);
      let inner: Scope = { value: undefined, label: found.label, known: false };
      if (found.known && name === 'with' && found.value && typeof found.value === 'object') {
        inner = { value: found.value, label: found.label, known: true };
      } else if (found.known && name === 'each') {
        const items = Array.isArray(found.value)
          ? found.value
          : found.value && typeof found.value === 'object'
            ? Object.values(found.value)
            : [];
        // The first item stands for all of them (items of one list share their shape).
        if (items.length > 0) inner = { value: items[0], label: `${found.label}[]`, known: true };
      }
      this.program(node.program, file, [...stack, inner], blocks, depth);
      this.program(node.inverse, file, stack, blocks, depth);
      return;
    }
    this.helperCall(node, file, stack);
    this.program(node.program, file, [...stack, { ...current, known: false }], blocks, depth);
    this.program(node.inverse, file, stack, blocks, depth);
  }

  private partial(node: Stmt, file: string, stack: Scope[], blocks: PartialBlock[], depth: number): void {
    const nameNode = node.name;
    const name = nameNode?.type === 'PathExpression' || nameNode?.type === 'StringLiteral' ? String(nameNode.original ?? '') : '';
    if (name === '@partial-block') {
      const block = blocks[blocks.length - 1];
      if (block) this.program(block.program, block.file, stack, blocks.slice(0, -1), depth + 1);
      return;
    }
    if (!name || depth > 20) return;
    const source = this.partials[name];
    if (source === undefined) {
      this.report(file, `the partial '${name}' does not exist`, node.loc);
      return;
    }
    let scopes = stack;
    const first = node.params?.[0];
    if (first) {
      const found = first.type === 'PathExpression' ? this.lookup(first, file, stack, true) : { known: false, value: undefined, label: '' };
      scopes = [...stack, { value: found.value, label: found.label, known: found.known }];
    }
    for (const pair of node.hash?.pairs ?? []) this.expression(pair.value, file, stack);
    let program: Program;
    try {
      program = Handlebars.parse(source) as unknown as Program;
    } catch (error) {
      this.report(this.partialFile(name), `does not parse: ${(error as Error).message.split('\n')[0]}`);
      return;
    }
    const inner = node.type === 'PartialBlockStatement' && node.program ? [...blocks, { program: node.program, file }] : blocks;
    this.program(program, this.partialFile(name), scopes, inner, depth + 1);
  }

  /** Resolves a path; reports it (when `required`) if the data does not have it. */
  private lookup(path: Expr, file: string, stack: Scope[], required: boolean): { known: boolean; value: unknown; label: string } {
    const parts = path.parts ?? [];
    const original = String(path.original ?? parts.join('.'));
    const unknown = { known: false, value: undefined, label: original };
    if (path.data) {
      if (parts[0] !== 'root') return unknown; // @index, @key, @first, @last, @partial-block
      return this.resolve({ value: this.root, label: '', known: true }, parts.slice(1), file, path, required);
    }
    const scope = stack[stack.length - 1 - (path.depth ?? 0)];
    if (!scope) return unknown;
    if (parts.length > 0 && (path.depth ?? 0) === 0 && scope.blockParams?.has(parts[0] as string)) return unknown;
    return this.resolve(scope, parts, file, path, required);
  }

  private resolve(scope: Scope, parts: string[], file: string, path: Expr, required: boolean) {
    const name = [scope.label, parts.join('.')].filter(Boolean).join('.') || 'this';
    if (!scope.known) return { known: false, value: undefined, label: name };
    let value: unknown = scope.value;
    for (const [index, part] of parts.entries()) {
      const holder = value;
      if (holder === null || holder === undefined || typeof holder !== 'object' || !(part in (holder as object))) {
        if (required) this.report(file, this.missing(name, scope.label ? null : (parts[0] ?? null), index), path.loc);
        return { known: true, value: undefined, label: name };
      }
      value = (holder as Record<string, unknown>)[part];
    }
    return { known: true, value, label: name };
  }

  private missing(name: string, topLevel: string | null, _index: number): string {
    const base = `'${name}' is not in the data`;
    if (topLevel === 'survey' && !this.use.survey) return `${base}: only a send step with a survey gives the template one`;
    if (topLevel === 'order' && this.use.entity !== 'order') {
      return `${base}: enrollments of this journey are per ${this.use.entity}, so there is no order`;
    }
    return base;
  }
}

type PartialBlock = { program: Program; file: string };

// ---------------------------------------------------------------------------------------------------
// Checking templates

/** A template's sources as the store reads them: the default files, or one locale variant's. */
export async function readTemplateSources(dir: string, name: string, variant: string | null = null): Promise<TemplateSourceSet> {
  const { subject, html, text, partials } = await new TemplateStore(dir).sources(name, variant);
  return { name, subject, html, text, partials };
}

export type TemplateCheckOptions = { templatesDir?: string };

/**
 * The problems of one template in one use, across its default files and every locale variant, each a
 * sentence that starts with the file, e.g. "templates/checkin/html.fr.hbs: 'customer.nmae' is not in
 * the data (line 3)". Empty when it is fine.
 */
export async function validateTemplate(
  store: TemplateStore,
  name: string,
  use: TemplateUse,
  options: TemplateCheckOptions = {},
): Promise<string[]> {
  let variants: string[];
  const problems: string[] = [];
  try {
    await store.get(name);
    variants = await store.variants(name);
    problems.push(...(await store.variantProblems(name)));
  } catch (error) {
    if (error instanceof TemplateNotFoundError) return [`there is no template named '${name}'`];
    return [`templates/${name}: ${(error as Error).message}`];
  }
  const sourceStore = options.templatesDir && options.templatesDir !== store.dir ? new TemplateStore(options.templatesDir) : store;
  for (const variant of [null, ...variants]) problems.push(...(await validateVariant(store, sourceStore, name, variant, use)));
  return problems;
}

async function validateVariant(
  store: TemplateStore,
  sourceStore: TemplateStore,
  name: string,
  variant: string | null,
  use: TemplateUse,
): Promise<string[]> {
  const label = variant === null ? `templates/${name}` : `templates/${name} (${variant})`;
  let loaded: Awaited<ReturnType<TemplateStore['get']>>;
  try {
    loaded = await store.get(name, variant);
  } catch (error) {
    return [`${label}: ${(error as Error).message.split('\n')[0]}`];
  }
  const data = templateRenderData(loaded.meta, { ...use, locale: use.locale ?? loaded.locale });
  const problems: string[] = [];
  let files = {
    subject: `templates/${name}/subject.hbs`,
    html: `templates/${name}/html.hbs`,
    text: `templates/${name}/text.hbs`,
  };
  try {
    const sources = await sourceStore.sources(name, variant);
    files = sources.files;
    const checker = new StaticChecker(data, sources.partials, use, sources.partialFiles);
    for (const part of ['subject', 'html', 'text'] as const) checker.check(sources.files[part], sources[part]);
    problems.push(...checker.problems);
  } catch (error) {
    problems.push(`${label}: its files could not be read: ${(error as Error).message}`);
  }
  if (problems.length > 0) return problems;

  let rendered: { subject: string; html: string; text: string };
  try {
    rendered = loaded.compiled.render(data as Record<string, unknown> & { locale: string; timezone: string });
  } catch (error) {
    return [`${label}: ${(error as Error).message.split('\n')[0]}`];
  }
  if (data['category'] === 'marketing') {
    const link = String((data['links'] as { unsubscribe: string }).unsubscribe);
    if (!rendered.html.includes(Handlebars.Utils.escapeExpression(link))) {
      problems.push(`${files.html}: a marketing email must show the unsubscribe link ({{links.unsubscribe}})`);
    }
    if (!rendered.text.includes(link)) {
      problems.push(`${files.text}: a marketing email must show the unsubscribe link ({{links.unsubscribe}})`);
    }
  }
  return problems;
}

export type TemplateProblem = { path: string; message: string };

/**
 * Every template problem of a journey definition, for publish time: one entry per problem, with the
 * path of the step that uses the template (`steps[3].send.template`). Empty when every send step's
 * template renders with the data it will get.
 */
export async function validateJourneyTemplates(
  definition: Pick<JourneyDefinition, 'steps' | 'entity' | 'category'>,
  store: TemplateStore,
  options: TemplateCheckOptions = {},
): Promise<TemplateProblem[]> {
  const problems: TemplateProblem[] = [];
  const cache = new Map<string, Promise<string[]>>();
  for (const [index, step] of definition.steps.entries()) {
    if (!('send' in step)) continue;
    const use: TemplateUse = {
      survey: step.send.survey?.kind ?? null,
      entity: definition.entity ?? 'customer',
      category: definition.category ?? 'marketing',
    };
    const key = JSON.stringify([step.send.template, use]);
    let checked = cache.get(key);
    if (!checked) {
      checked = validateTemplate(store, step.send.template, use, options);
      cache.set(key, checked);
    }
    for (const message of await checked) problems.push({ path: `steps[${index}].send.template`, message });
  }
  return problems;
}
