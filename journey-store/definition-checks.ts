// Reading and checking a journey definition before anything is stored, for the API and the CLI alike:
// YAML or JSON text to a raw value, the schema's checks, that every template a send step names exists
// and renders with the data that step gives, and one sentence that names every problem by its path.
import { parse as parseYaml } from 'yaml';
import { allRawSteps, type DefinitionError, type JourneyDefinition, validateJourneyDefinition } from '../core/journey/definition.ts';
import { definitionLines } from '../core/journey/definition-lines.ts';
import type { TemplateStore } from '../messaging/template-store.ts';
import { validateJourneyTemplates } from '../messaging/template-validation.ts';

export type DefinitionCheck = { ok: true; definition: JourneyDefinition } | { ok: false; errors: DefinitionError[] };

/** An error with the line of the text it was found at, when the definition came as text. */
export type LocatedDefinitionError = DefinitionError & { line?: number };

/** `steps[3].wait.duration must be ...` or `steps[3].branch.when.scor: unknown field 'scor'`. */
export function describeDefinitionError(error: DefinitionError): string {
  return /^(must|is|are|goes|repeats|includes|has|needs)\b/.test(error.message)
    ? `${error.path} ${error.message}`
    : `${error.path}: ${error.message}`;
}

/** One sentence for all the errors: the first in full, and how many more (with their paths). */
export function describeDefinitionErrors(errors: DefinitionError[]): string {
  const [first, ...rest] = errors;
  if (!first) return 'The definition is invalid.';
  const more = rest.length > 0 ? ` (and ${rest.length} more: ${rest.map(describeDefinitionError).join('; ')})` : '';
  return `${describeDefinitionError(first)}${more}`;
}

/** A YAML (or JSON, which is YAML) text, or an already parsed value, to a raw definition. */
export function readDefinitionText(text: string): { ok: true; raw: unknown } | { ok: false; errors: LocatedDefinitionError[] } {
  try {
    // Warnings about a sender's odd YAML would land in the server's log; errors are what the sender gets back.
    return { ok: true, raw: parseYaml(text, { logLevel: 'error' }) };
  } catch (error) {
    const message = ((error as Error).message.split('\n')[0] ?? 'cannot be parsed').replace(/:$/, '');
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    return { ok: false, errors: [{ path: '(body)', message: `is not valid YAML or JSON: ${message}`, ...(line ? { line } : {}) }] };
  }
}

/** Each error with the line of `text` its path points at (see core/journey/definition-lines.ts). */
export function locateDefinitionErrors(text: string, errors: LocatedDefinitionError[]): LocatedDefinitionError[] {
  const lines = definitionLines(
    text,
    errors.map((error) => error.path),
  );
  return errors.map((error, index) => {
    const line = error.line ?? lines[index];
    return line === undefined ? error : { ...error, line };
  });
}

const isUnknownField = (error: DefinitionError) => error.message.startsWith('unknown field');

/** The schema's checks, and that every template a send step names exists: all problems at once. */
export async function checkDefinition(raw: unknown, templates: TemplateStore): Promise<DefinitionCheck> {
  const result = validateJourneyDefinition(raw);
  const known = new Set(await templates.list());
  // Read from the raw steps (those of split variants too), so that a missing template is reported beside the schema's errors.
  const templateErrors: DefinitionError[] = [];
  for (const { step, path } of allRawSteps(raw)) {
    const template = (step as { send?: { template?: unknown } } | null)?.send?.template;
    if (typeof template === 'string' && /^[a-z0-9][a-z0-9-_]*$/.test(template) && !known.has(template)) {
      templateErrors.push({ path: `${path}.send.template`, message: `no template named '${template}'` });
    }
  }
  if (result.ok && templateErrors.length === 0) {
    // Every template renders, in every language variant, with the data this journey will give it:
    // a misspelt variable fails here, at publish time, never at send time.
    const problems = await validateJourneyTemplates(result.definition, templates);
    return problems.length === 0 ? result : { ok: false, errors: problems };
  }
  const errors = [...(result.ok ? [] : result.errors), ...templateErrors];
  // An unknown field is usually a typo, and explains the missing field reported beside it: it goes first.
  return { ok: false, errors: errors.sort((a, b) => Number(isUnknownField(b)) - Number(isUnknownField(a))) };
}
