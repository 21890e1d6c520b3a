// The pages a customer opens from an email (survey, review, email choices, link errors): one HTML
// shell in the business's look (core/messaging/brand.ts), in the customer's language
// (messaging/page-text.ts), and the form bodies those pages post. No page loads anything from
// elsewhere but the business's logo; the only script is the survey's, under a nonce.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Brand, brandRenderData, defaultBrand } from '../core/messaging/brand.ts';
import { type PageText, pageText } from '../messaging/page-text.ts';

export const escapeHtml = (value: string) => value.replace(/[&<>"'`=]/g, (char) => `&#${char.charCodeAt(0)};`);

export const p = (text: string) => `<p>${escapeHtml(text)}</p>`;

export type PageOptions = {
  /** The survey's own script, under a fresh nonce. */
  script?: string;
  /** A page opened from a template preview says that nothing it does is recorded. */
  preview?: boolean;
};

function page(brand: Brand, lang: string, title: string, body: string, nonce: string | null, script: string | undefined): string {
  const look = brandRenderData(brand);
  const logo = look.logo ? `<img class="logo" src="${escapeHtml(look.logo)}" alt="">` : '';
  const footer = look.footer ? `<footer>${escapeHtml(look.footer)}</footer>` : '';
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;padding:48px 16px;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2933;background:#f5f7fa}
main{max-width:520px;margin:0 auto;background:#fff;padding:32px;border-radius:8px;border-top:4px solid ${look.accent}}
h1{font-size:22px;margin:0 0 12px}
.logo{display:block;max-height:48px;max-width:200px;margin:0 0 16px}
button{font:inherit;padding:10px 18px;border:0;border-radius:6px;background:${look.accent};color:${look.onAccent};cursor:pointer}
button.secondary{background:#e4e7eb;color:#1f2933}
textarea{width:100%;box-sizing:border-box;min-height:96px;font:inherit;margin:8px 0}
fieldset{border:0;padding:0;margin:16px 0}
legend{font-weight:600;margin-bottom:6px}
.scale,.stars{display:flex;flex-wrap:wrap;gap:6px}
.scale label,.stars label{display:inline-flex;align-items:center;gap:4px;padding:8px 10px;border:1px solid #9aa5b1;border-radius:6px}
.stars span[aria-hidden]{color:${look.accent};letter-spacing:1px}
.choices label{display:block;margin:8px 0}
.ends{display:flex;justify-content:space-between;font-size:14px;color:#52606d}
.note{font-size:14px;color:#52606d}
.preview{padding:8px 12px;border-radius:6px;background:#fef3c7;color:#78350f}
.error{padding:8px 12px;border-radius:6px;background:#fee2e2;color:#7f1d1d}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
footer{max-width:520px;margin:16px auto 0;font-size:12px;color:#7b8794;text-align:center}
</style>
</head>
<body><main>${logo}<h1>${escapeHtml(title)}</h1>
${body}
</main>${footer}${nonce && script ? `<script nonce="${nonce}">${script}</script>` : ''}</body>
</html>
`;
}

export function sendPage(
  reply: FastifyReply,
  brand: Brand | undefined,
  status: number,
  text: PageText,
  title: string,
  body: string,
  options: PageOptions = {},
) {
  const look = brand ?? defaultBrand;
  const nonce = options.script ? randomBytes(16).toString('base64') : null;
  const logoOrigin = look.logoUrl && URL.canParse(look.logoUrl) ? new URL(look.logoUrl).origin : null;
  const notice = options.preview ? `<p class="preview" role="note">${escapeHtml(text.t('page.preview'))}</p>\n` : '';
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'${logoOrigin ? `; img-src ${logoOrigin}` : ''}${nonce ? `; script-src 'nonce-${nonce}'; connect-src 'self'` : ''}`,
    )
    .send(page(look, text.lang, title, `${notice}${body}`, nonce, options.script));
}

/** The visitor's language when the link says nothing about the customer: the browser's first choice. */
export const browserText = (request: FastifyRequest) =>
  pageText(/^\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)/.exec(String(request.headers['accept-language'] ?? ''))?.[1] ?? null);

export const invalidLink = (request: FastifyRequest, reply: FastifyReply, brand: Brand | undefined) => {
  const text = browserText(request);
  return sendPage(reply, brand, 400, text, text.t('link.invalid.title'), p(text.t('link.invalid.body')));
};

export const notConfigured = (request: FastifyRequest, reply: FastifyReply, brand: Brand | undefined) => {
  const text = browserText(request);
  return sendPage(reply, brand, 503, text, text.t('link.unavailable.title'), p(text.t('link.unavailable.body')));
};

// ---------------------------------------------------------------------------------------------------
// Form bodies

/** The fields of a urlencoded or multipart/form-data body (text fields only; files are ignored). */
export function parseFormBody(contentType: string | undefined, body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!body) return fields;
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
    const marker = boundary?.[1] ?? boundary?.[2];
    if (!marker) return fields;
    for (const part of body.split(`--${marker}`).slice(1)) {
      if (part.startsWith('--')) break;
      const split = part.search(/\r?\n\r?\n/);
      if (split < 0) continue;
      const head = part.slice(0, split);
      const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(head)?.[1] ?? '';
      if (/\bfilename\*?=/i.test(disposition)) continue;
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? /\bname=([^;\s]+)/i.exec(disposition)?.[1];
      if (name === undefined || name in fields) continue;
      fields[name] = part
        .slice(split)
        .replace(/^\r?\n\r?\n/, '')
        .replace(/\r?\n$/, '');
    }
    return fields;
  }
  for (const [name, value] of new URLSearchParams(body)) if (!(name in fields)) fields[name] = value;
  return fields;
}

export function formFields(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    return Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([, value]) => typeof value === 'string')) as Record<
      string,
      string
    >;
  }
  return {};
}

/** Form parsers for the link routes: urlencoded and multipart (RFC 8058 allows both); any other body is ignored. */
export function acceptForms(app: FastifyInstance) {
  const parse = (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
    done(null, parseFormBody(request.headers['content-type'], typeof body === 'string' ? body : body.toString('utf8')));
  };
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, parse);
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, parse);
  // One-click clients are not all tidy: a body of another type is read and ignored, never a 415.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, {}));
}
