// Signing in to the web app, as staff do: the demo admin printed by `npm start`, roles that shape what
// a page offers, the server's own refusal behind it, and signing out.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPage, launchBrowser, newPage, signIn, startWebAppEngine, type WebAppEngine } from '../support/browser.ts';

let engine: WebAppEngine;
let browser: Browser;

beforeAll(async () => {
  [engine, browser] = await Promise.all([startWebAppEngine(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await engine?.dispose();
});

const everyAppPage = [
  '',
  '/',
  '/today',
  '/customers/c-0001',
  '/journeys',
  '/journeys/post-purchase-checkin',
  '/journeys/post-purchase-checkin/edit',
  '/templates',
  '/templates/checkin',
  '/surveys',
  '/outbox',
  '/no-such-page',
];

describe('signing in to the web app', () => {
  it('sends an anonymous visitor to sign-in from every /app page, and back to that page afterwards', async () => {
    const { context, page } = await newPage(browser);
    for (const path of everyAppPage) {
      await page.goto(engine.appUrl(path));
      await page.waitForURL(/\/app\/sign-in\?next=/);
      await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    }
    await inspectPage(page, 'sign-in');
    await page.goto(engine.appUrl('/templates'));
    await page.waitForURL(/\/app\/sign-in/);
    await page.getByLabel('Email').fill(engine.admin.email);
    await page.getByLabel('Password').fill(engine.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/app\/templates$/);
    await context.close();
  });

  it('shows a signed-in user on an unknown address a page that says so and leads on', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.successManager);
    await page.goto(engine.appUrl('/no-such-page'));
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await inspectPage(page, 'not-found');
    await page.getByRole('link', { name: 'Today' }).last().click();
    await page.waitForURL(/\/app\/today$/);
    await context.close();
  });

  it('says in words when the email or the password is wrong, and signs nobody in', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(engine.appUrl('/today'));
    await page.getByLabel('Email').fill(engine.admin.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The email or the password is not right.');
    expect(page.url()).toContain('/app/sign-in');
    await context.close();
  });

  it('shows a marketer no account actions, and the server refuses them anyway', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.marketer);
    expect(new URL(page.url()).pathname).toBe('/app/journeys');
    const refused = await page.evaluate(async () => {
      const who = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const response = await fetch('/v1/customers/c-0001/notes', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrfToken },
        body: JSON.stringify({ body: 'a note from a marketer' }),
      });
      return response.status;
    });
    expect(refused).toBe(403);
    await context.close();
  });

  it('refuses a write made with the session cookie but without the CSRF token', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.successManager);
    const status = await page.evaluate(async () => {
      const response = await fetch('/v1/customers/c-0001/contacted', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'phone' }),
      });
      return response.status;
    });
    expect(status).toBe(403);
    await context.close();
  });

  it('ends the session on sign-out: the cookie no longer opens any page or API', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.successManager);
    expect(new URL(page.url()).pathname).toBe('/app/today');
    const cookie = (await context.cookies()).find((c) => c.name === 'aftercare_session');
    expect(cookie).toBeDefined();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/app\/sign-in/);
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('You are signed out.');
    const reused = await fetch(`${engine.base}/v1/session`, { headers: { cookie: `aftercare_session=${cookie?.value}` } });
    expect(reused.status).toBe(401);
    await context.close();
  });
});

describe('the web app on the server', () => {
  it('answers every /app address with the app, under a content security policy, and a missing asset with 404', async () => {
    const page = await fetch(engine.appUrl('/customers/anyone'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(engine.appUrl('/assets/missing.js'))).status).toBe(404);
    const root = await fetch(`${engine.base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/app/');
  });
});
