// Template checks at publish time (`POST /v1/journeys`), for the preview endpoint and in the test suite,
// so that a typo fails when a marketer publishes a journey and never when a customer's email is rendered.
//
// Every send step's template is checked against the data the send activity will really give it
// (`sampleRenderData`: only a step with a survey gets one, only a per-order journey an order), in its
// default files and in every locale variant (with the partials chosen for that variant, in that
// variant's locale); a variant that lacks one of its three files is a problem in itself (see
// template-store.ts). Each variant gets two passes:
// 1. the static walk of its syntax tree (core/messaging/template-variables.ts), which names every
//    variable the data does not have;
// 2. when that finds nothing, a real render through the template store (strict, known helpers only),
//    which catches the rest: a helper that throws on the sample, for one.
// A marketing email, and a check-in with a survey, must also show its unsubscribe link.
import Handlebars from 'handlebars';
import { allSteps, type JourneyDefinition } from '../core/journey/definition.ts';
import { checkTemplateVariables, type TemplateUse } from '../core/messaging/template-variables.ts';
import { sampleRenderData } from './render-data.ts';
import { TemplateNotFoundError, TemplateStore } from './template-store.ts';

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
  const data = sampleRenderData(loaded.meta, { ...use, locale: use.locale ?? loaded.locale });
  const problems: string[] = [];
  let files = {
    subject: `templates/${name}/subject.hbs`,
    html: `templates/${name}/html.hbs`,
    text: `templates/${name}/text.hbs`,
  };
  try {
    const sources = await sourceStore.sources(name, variant);
    files = sources.files;
    problems.push(...checkTemplateVariables(sources, data, use));
  } catch (error) {
    problems.push(`${label}: its files could not be read: ${(error as Error).message}`);
  }
  if (problems.length > 0) return problems;

  let rendered: { subject: string; html: string; text: string };
  try {
    rendered = loaded.compiled.render(data);
  } catch (error) {
    return [`${label}: ${(error as Error).message.split('\n')[0]}`];
  }
  if (data['unsubscribable'] === true) {
    const kind = data['category'] === 'marketing' ? 'a marketing email' : 'a check-in with a survey';
    const link = String((data['links'] as { unsubscribe: string }).unsubscribe);
    if (!rendered.html.includes(Handlebars.Utils.escapeExpression(link))) {
      problems.push(`${files.html}: ${kind} must show the unsubscribe link ({{links.unsubscribe}})`);
    }
    if (!rendered.text.includes(link)) {
      problems.push(`${files.text}: ${kind} must show the unsubscribe link ({{links.unsubscribe}})`);
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
  for (const { step, path } of allSteps(definition)) {
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
    for (const message of await checked) problems.push({ path: `${path}.send.template`, message });
  }
  return problems;
}
