// The web app at /app: the built single-page app (web/, built by `npm run build:web` during install)
// served as static files. Every /app address that is not a file answers the app's index.html, whose
// router shows the page or sends an anonymous visitor to sign in; data only ever comes from /v1.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const DEFAULT_WEB_APP_DIR = fileURLToPath(new URL('../web/dist', import.meta.url));

// Email previews are shown in a sandboxed iframe (srcdoc), hence inline styles and https images.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'same-origin');
  reply.header('x-frame-options', 'DENY');
}

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Aftercare</title></head>
<body><main><h1>The web app is not built</h1><p>Run <code>npm run build:web</code> (it also runs during
<code>npm install</code>), then reload this page. The API answers at <a href="/openapi.json">/openapi.json</a>.</p></main></body></html>`;

export async function registerWebApp(app: FastifyInstance, directory: string = DEFAULT_WEB_APP_DIR): Promise<void> {
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/app/', 302));
  if (!existsSync(`${directory}/index.html`)) {
    const notBuilt = (_request: unknown, reply: FastifyReply) => reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    app.get('/app', { schema: { hide: true } }, notBuilt);
    app.get('/app/*', { schema: { hide: true } }, notBuilt);
    return;
  }
  await app.register(fastifyStatic, {
    root: directory,
    prefix: '/app/',
    index: false,
    // One route per built file, so that every other /app address reaches the app's router below.
    wildcard: false,
    setHeaders: (response, path) => {
      // Vite names assets by their content: a new build has new names, so they may be kept for good.
      response.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      response.header('x-content-type-options', 'nosniff');
    },
  });
  const page = (request: { url: string }, reply: FastifyReply) => {
    if (request.url.startsWith('/app/assets/')) {
      return reply.status(404).send({ error: { code: 'not_found', message: 'No such file in the web app.' } });
    }
    securityHeaders(reply);
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  };
  app.get('/app', { schema: { hide: true } }, page);
  app.get('/app/*', { schema: { hide: true } }, page);
}
