// Customer data is hostile until proven otherwise: names and order items come from the business's
// systems, which take them from anyone. Every shipped template must render them harmlessly, and a
// link that is not https (a `javascript:` URL above all) must never reach an email.
import { describe, expect, it } from 'vitest';
import { assertSafeLinks, safeLink, UnsafeLinkError, unsafeLinks } from '../../../core/messaging/link-safety.ts';
import { sampleRenderData } from '../../../messaging/render-data.ts';
import { defaultTemplatesDir, TemplateStore } from '../../../messaging/template-store.ts';

const hostileNames = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '</p></body><script src=https://evil.example/x.js></script>',
  '{{customer.email}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal is the attack
  '`${alert(1)}`',
  'javascript:alert(1)',
  'Robert"); DROP TABLE "Customer";--',
  'Ada\r\nBcc: everyone@example.com',
];

const hostileLinks = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'java\nscript:alert(1)',
  '\u0000javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'file:///etc/passwd',
  '//evil.example/path',
  '/relative/path',
  'https://user:password@evil.example/',
  'https:\\\\evil.example',
  'not a url',
  '',
];

/** What may never appear in the HTML of an email built from hostile data. */
const dangerous = [/<script/i, /<img/i, /<svg/i, /\son\w+=/i, /href="\s*javascript:/i, /"><img/i];

const store = new TemplateStore(defaultTemplatesDir);

async function renderAll(hostile: string) {
  const names = await store.list();
  expect(names.length).toBeGreaterThanOrEqual(6);
  const results = [];
  for (const name of names) {
    const template = await store.get(name);
    // Every engine field present (a survey too), so that every template can render.
    for (const category of ['transactional', 'marketing'] as const) {
      const data = sampleRenderData(template.meta, { survey: 'csat', entity: 'order', category });
      const customer = data['customer'] as Record<string, unknown>;
      const order = data['order'] as { items: { name: string }[] };
      const hostileData = {
        ...data,
        customer: { ...customer, name: hostile, email: 'ada@example.com', attributes: { note: hostile } },
        owner: { name: hostile },
        business: { ...(data['business'] as object), name: hostile, address: hostile },
        order: { ...order, id: hostile, items: [{ name: hostile, quantity: 1, price: 1 }] },
      } as unknown as Record<string, unknown> & { locale: string; timezone: string };
      results.push({ name, category, rendered: template.compiled.render(hostileData) });
    }
  }
  return results;
}

describe('hostile names render harmlessly through every shipped template', () => {
  it.each(hostileNames)('%s', async (hostile) => {
    for (const { name, rendered } of await renderAll(hostile)) {
      for (const pattern of dangerous) expect([name, pattern.test(rendered.html)]).toEqual([name, false]);
      // A subject is one line: no header injection through a name.
      expect(rendered.subject).not.toMatch(/[\r\n]/);
    }
  });

  it('never evaluates data as a template', async () => {
    for (const { rendered } of await renderAll('{{customer.email}}')) {
      expect(rendered.text).toContain('{{customer.email}}');
      expect(rendered.text).not.toContain('ada@example.com');
    }
  });

  it('escapes the markup instead of dropping it, so the customer sees their own name', async () => {
    const [first] = await renderAll('"><img src=x onerror=alert(1)>');
    expect(first?.rendered.html).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
  });
});

describe('safeLink', () => {
  it.each(hostileLinks)('refuses %j', (link) => {
    expect(safeLink(link)).toBeNull();
    expect(safeLink(link, { allowHttp: true })).toBeNull();
  });

  it('accepts https, and http only when allowed for development', () => {
    expect(safeLink('https://northwind.example/reviews?order=1')).toBe('https://northwind.example/reviews?order=1');
    expect(safeLink('HTTPS://Northwind.example')).toBe('https://northwind.example/');
    expect(safeLink('http://localhost:3000/u/token')).toBeNull();
    expect(safeLink('http://localhost:3000/u/token', { allowHttp: true })).toBe('http://localhost:3000/u/token');
  });

  it('refuses non-strings', () => {
    for (const value of [null, undefined, 42, {}, ['https://x.example']]) expect(safeLink(value)).toBeNull();
  });
});

describe('links in render data', () => {
  const data = (reviewUrl: string, url: string) => ({
    locale: 'en',
    customer: { name: 'javascript:alert(1)', attributes: { homepage: 'https://ok.example' } },
    business: { reviewUrl },
    links: { unsubscribe: 'https://aftercare.example/u/t' },
    survey: { options: [{ score: 1, url }] },
  });

  it('finds every link that is not https, and only links', () => {
    expect(unsafeLinks(data('javascript:alert(1)', 'data:text/html,x'))).toEqual(['business.reviewUrl', 'survey.options[0].url']);
    expect(unsafeLinks(data('https://ok.example/r', 'https://ok.example/s/1'))).toEqual([]);
  });

  it('refuses render data with a javascript: link, naming it', () => {
    expect(() => assertSafeLinks(data('javascript:alert(1)', 'https://ok.example/s/1'))).toThrow(UnsafeLinkError);
    expect(() => assertSafeLinks(data('javascript:alert(1)', 'https://ok.example/s/1'))).toThrow(/business\.reviewUrl/);
    expect(() => assertSafeLinks(data('http://localhost/r', 'http://localhost/s'), { allowHttp: true })).not.toThrow();
  });

  it('the data a send gives every shipped template has only https links', async () => {
    for (const name of await store.list()) {
      const template = await store.get(name);
      expect([name, unsafeLinks(sampleRenderData(template.meta, { survey: 'csat', entity: 'order', category: 'marketing' }))]).toEqual([
        name,
        [],
      ]);
    }
  });
});
