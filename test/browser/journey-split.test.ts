// A marketer's A/B split in the web app: the journey page draws the split with an edge per variant
// (key and share), says it in words, and shows a table of the variants against the first one, with
// no winner named before any interval decides it. Accessible (axe).
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

const definition = {
  key: 'subject-test',
  name: 'Subject test',
  trigger: { event: 'customer.active' },
  goal: { event: 'order.placed', within: 'P30D' },
  steps: [
    {
      id: 'subject',
      split: {
        variants: [
          { key: 'plain', weight: 3, steps: [{ id: 'email-plain', send: { template: 'winback' } }] },
          {
            key: 'offer',
            weight: 1,
            steps: [
              { id: 'wait-offer', wait: { duration: 'P1D' } },
              { id: 'email-offer', send: { template: 'winback-offer' } },
            ],
          },
        ],
      },
    },
  ],
};

describe('a journey with an A/B split in the web app', () => {
  it('draws the split with its variants and shares, and lists each variant against the first with no winner yet', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.marketer);
    // Created as the editor does: the session's CSRF token on a POST.
    const created = await page.evaluate(async (body) => {
      const session = (await (await fetch('/v1/session', { credentials: 'same-origin' })).json()) as { csrfToken: string };
      const response = await fetch('/v1/journeys', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify(body),
      });
      return response.status;
    }, definition);
    expect(created).toBe(201);

    await page.goto(engine.appUrl('/journeys/subject-test'));
    const flow = page.getByRole('img', { name: /^Flow diagram of Subject test: 4 steps/ });
    await flow.waitFor();
    const drawn = await flow.textContent();
    for (const label of ['A/B split: plain 75%, offer 25%', 'plain · 75%', 'offer · 25%', 'send winback-offer'])
      expect(drawn).toContain(label);
    const words = await page.getByRole('list', { name: 'The steps of Subject test in words' }).textContent();
    expect(words).toContain('Variant plain (75% of customers): step 2 (email-plain)');

    const table = page.getByRole('table', { name: /^Variants of split subject, each against variant plain/ });
    await table.waitFor();
    const rows = table.getByRole('row');
    await expect(rows.count()).resolves.toBe(3);
    await expect(rows.nth(1).textContent()).resolves.toContain('plain');
    await expect(rows.nth(2).textContent()).resolves.toContain('25%');
    await expect(page.getByText('No winner yet.').isVisible()).resolves.toBe(true);
    await inspectPage(page, 'journey-split');
    await context.close();
  });
});
