// A marketer changes the business's send policies in the web app: the version in force and its history,
// a cap made stricter with a reason, saved as a new version that the API then serves; a success manager
// reads the same page without being able to change it. Every page passes axe and is photographed.
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

describe('send policies in the web app', () => {
  it('lets a marketer make the marketing cap stricter, with a reason, as version 1', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.marketer);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policies' }).click();
    await page.waitForURL(/\/app\/policies$/);
    await page.getByRole('heading', { name: 'Send policies', level: 1 }).waitFor();
    await page.getByText('Version 0: the built-in defaults, unchanged so far.').waitFor();
    await inspectPage(page, 'policies');

    // One marketing email per 48 hours becomes one per 72 hours.
    const within = page.getByLabel('Marketing emails: within how long (cap 1)');
    await expect(within.inputValue()).resolves.toBe('48');
    await within.fill('72');
    await page.getByLabel('Why (kept with the version)').fill('Customers asked for fewer emails');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByText(/^Saved as version 1:/).waitFor();
    await page.getByText(/^Version 1, changed .* by Mia Marketer: “Customers asked for fewer emails”/).waitFor();
    const history = page.getByRole('table', { name: 'Every version of the send policies, newest first' });
    // The history reloads after the save: the new version arrives on top.
    await expect.poll(() => history.getByRole('row').count(), { timeout: 10_000 }).toBe(3);
    await expect(history.getByRole('row').nth(1).textContent()).resolves.toContain('marketing: 1 per 72 hours, 3 per 7 days');

    const served = await engine.call('GET', '/v1/policies');
    expect(served.body).toMatchObject({
      version: 1,
      policies: {
        caps: {
          marketing: [
            { count: 1, window: 'PT72H' },
            { count: 3, window: 'P7D' },
          ],
        },
      },
    });

    // Saving again without a change makes no version.
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByText('Nothing changed: version 1 stays in force.').waitFor();
    await context.close();
  });

  it('shows a success manager the policies without letting them change them', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.successManager, '/policies');
    await page.getByRole('heading', { name: 'Send policies', level: 1 }).waitFor();
    await page.getByText('Your role may read the policies; a marketer or an admin changes them.').waitFor();
    expect(await page.getByRole('button', { name: 'Save as a new version' }).count()).toBe(0);
    await expect(page.getByLabel('Marketing emails: within how long (cap 1)').isDisabled()).resolves.toBe(true);
    await context.close();
  });
});
