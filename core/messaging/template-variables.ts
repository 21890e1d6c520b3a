// The static check of a template's Handlebars syntax tree against the data a send will give it, so that
// a typo fails when a journey is published and never when a customer's email is rendered.
//
// Every variable of the subject, html and text files and of the partials they use is resolved against
// that data, in helper arguments and block conditions as well (Handlebars' strict mode does not check
// those: `{{firstName customer.nmae}}` would quietly render the fallback), and reported by its full name
// and file. Unknown helpers, missing partials and files that do not parse are reported too. What only a
// real render can find (a helper that throws on the data) is left to the caller.
import Handlebars from 'handlebars';
import { compileTemplate } from './render.ts';

/** How a send step uses a template: what its render data will and will not have. */
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

/** A template variant's sources, each with the file it is reported under (e.g. `templates/checkin/html.fr.hbs`). */
export type TemplateFiles = {
  subject: string;
  html: string;
  text: string;
  files: { subject: string; html: string; text: string };
  partials: Record<string, string>;
  partialFiles: Record<string, string>;
};

/**
 * The problems of a template's files against `data`, each a sentence that starts with the file, e.g.
 * "templates/checkin/html.fr.hbs: 'customer.nmae' is not in the data (line 3)". Empty when all is well.
 */
export function checkTemplateVariables(template: TemplateFiles, data: Record<string, unknown>, use: TemplateUse): string[] {
  const checker = new StaticChecker(data, template.partials, use, template.partialFiles);
  for (const part of ['subject', 'html', 'text'] as const) checker.check(template.files[part], template[part]);
  return checker.problems;
}

// The parts of Handlebars' syntax tree this walk reads, as one loose node shape for every kind of node.
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
type PartialBlock = { program: Program; file: string };

type Scope = { value: unknown; label: string; known: boolean; blockParams?: Set<string> };

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
    private readonly partialFiles: Record<string, string>,
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
    for (const part of parts) {
      const holder = value;
      if (holder === null || holder === undefined || typeof holder !== 'object' || !(part in (holder as object))) {
        if (required) this.report(file, this.missing(name, scope.label ? null : (parts[0] ?? null)), path.loc);
        return { known: true, value: undefined, label: name };
      }
      value = (holder as Record<string, unknown>)[part];
    }
    return { known: true, value, label: name };
  }

  private missing(name: string, topLevel: string | null): string {
    const base = `'${name}' is not in the data`;
    if (topLevel === 'survey' && !this.use.survey) return `${base}: only a send step with a survey gives the template one`;
    if (topLevel === 'order' && this.use.entity !== 'order') {
      return `${base}: enrollments of this journey are per ${this.use.entity}, so there is no order`;
    }
    return base;
  }
}
