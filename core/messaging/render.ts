// Template rendering: pure functions over template sources and data. Each template set gets its own
// Handlebars environment with a fixed list of helpers, compiled with `strict` and `knownHelpersOnly`
// so that a misspelt variable or helper is an error when the template is checked, not a blank in a
// customer's inbox.
import Handlebars from 'handlebars';
import { DateTime } from 'luxon';

export type TemplateSources = {
  name: string;
  subject: string;
  html: string;
  text: string;
  partials: Record<string, string>;
};

export type RenderedMessage = { subject: string; html: string; text: string };

export type CompiledTemplate = { name: string; render(data: RenderContext): RenderedMessage };

/**
 * Links that need the engine's secret to sign (core/messaging/review-links.ts): handed to the helpers
 * under a symbol, so a template can call them but never print the signer, and a spread of the render
 * data (a preview's sample laid over it) keeps them.
 */
export const signedLinksKey: unique symbol = Symbol('signedLinks');
export type SignedLinks = { review(order: unknown, item: unknown, index: number | undefined): string };

/** What every template can rely on: the customer's locale and zone drive the formatting helpers. */
export type RenderContext = Record<string, unknown> & { locale: string; timezone: string; [signedLinksKey]?: SignedLinks };

const helperNames = ['money', 'date', 'pluralize', 'firstName', 'eq', 'reviewLink'] as const;
const knownHelpers = Object.fromEntries(helperNames.map((name) => [name, true]));

function createEnvironment(partials: Record<string, string>): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('money', function money(this: unknown, amount: unknown, currency: unknown, options: Handlebars.HelperOptions) {
    const locale = String(options.data.root.locale ?? 'en');
    const value = typeof amount === 'number' ? amount : Number(amount);
    if (!Number.isFinite(value) || typeof currency !== 'string') throw new Error('money needs a number and a currency');
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
  });
  hbs.registerHelper('date', (value: unknown, options: Handlebars.HelperOptions) => {
    const locale = String(options.data.root.locale ?? 'en');
    const zone = String(options.data.root.timezone ?? 'UTC');
    const at = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(String(value));
    if (!Number.isFinite(at)) throw new Error('date needs a date');
    const style = typeof options.hash.style === 'string' ? options.hash.style : 'long';
    return DateTime.fromMillis(at, { zone })
      .setLocale(locale)
      .toLocaleString(style === 'short' ? DateTime.DATE_SHORT : style === 'medium' ? DateTime.DATE_MED : DateTime.DATE_FULL);
  });
  hbs.registerHelper('pluralize', (count: unknown, singular: unknown, plural: unknown) =>
    Number(count) === 1 ? String(singular) : String(plural),
  );
  hbs.registerHelper('firstName', (name: unknown, fallback: unknown) => {
    const first = typeof name === 'string' ? name.trim().split(/\s+/)[0] : '';
    return first ? first : String(typeof fallback === 'string' ? fallback : 'there');
  });
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // {{reviewLink order}} for the whole order, {{reviewLink @root.order this}} for an item inside {{#each order.items}}.
  hbs.registerHelper('reviewLink', (...args: unknown[]) => {
    const options = args.pop() as Handlebars.HelperOptions;
    const links = (options.data.root as RenderContext)[signedLinksKey];
    if (!links) throw new Error('reviewLink needs the signed links of a send or a preview');
    const index = typeof options.data.index === 'number' ? options.data.index : undefined;
    return links.review(args[0], args.length > 1 ? args[1] : undefined, index);
  });
  for (const [name, source] of Object.entries(partials)) hbs.registerPartial(name, source);
  return hbs;
}

export function compileTemplate(sources: TemplateSources): CompiledTemplate {
  const hbs = createEnvironment(sources.partials);
  const options = { strict: true, knownHelpers, knownHelpersOnly: true };
  const subject = hbs.compile(sources.subject, { ...options, noEscape: true });
  const html = hbs.compile(sources.html, options);
  const text = hbs.compile(sources.text, { ...options, noEscape: true });
  return {
    name: sources.name,
    render(data) {
      return {
        // Only ASCII white space folds: a French no-break space before '?' is typography, not layout.
        subject: subject(data)
          .replace(/[ \t\r\n]+/g, ' ')
          .trim(),
        html: html(data),
        text: text(data)
          .replace(/\n{3,}/g, '\n\n')
          .trim(),
      };
    },
  };
}
