// A marketer backtests a draft in the journey editor: the last 90 days of the demo business replayed
// through the draft, beside what the published version really did, with the messages per day as a
// chart and as a table; accessible.
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

describe('the backtest in the journey editor', () => {
  it("replays the draft over the last 90 days beside the published version's real figures, with the days as a table too", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.marketer, '/journeys/post-purchase-checkin/edit');
    await page.waitForURL(/\/edit$/);
    const run = page.getByRole('button', { name: 'Run the backtest' });
    await page.getByText('No problems. Change the definition to publish a new version.').waitFor();
    await page.getByLabel('History to replay').selectOption('90');
    await run.click();
    const figures = page.getByRole('table', { name: /^The draft over the last 90 days, beside version \d+'s real figures$/ });
    await figures.waitFor({ timeout: 60_000 });
    await expect(figures.getByRole('columnheader', { name: /^Version \d+ \(real\)$/ }).count()).resolves.toBe(1);
    await expect(figures.getByRole('rowheader', { name: 'Enrollments' }).count()).resolves.toBe(1);
    await expect(
      page
        .getByRole('status')
        .filter({ hasText: /^Replayed [\d,]+ customers from/ })
        .count(),
    ).resolves.toBe(1);
    await expect(page.getByRole('img', { name: /^Messages per day of the draft: / }).count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Show messages per day as a table' }).click();
    const days = page.getByRole('table', { name: /^Messages per day/ });
    await expect.poll(() => days.getByRole('row').count(), { timeout: 10_000 }).toBeGreaterThan(90);
    await expect(page.getByRole('table', { name: "The draft's funnel per step" }).getByRole('rowheader').count()).resolves.toBeGreaterThan(
      2,
    );
    await inspectPage(page, 'journey-backtest');

    // An edit that breaks the draft: no backtest until it is fixed.
    const editor = page.getByLabel('Definition (YAML)');
    await editor.fill(`${await editor.inputValue()}\nnonsense: true\n`);
    await page.getByText('Fix the problems in the definition to run a backtest.').waitFor();
    await expect(run.isDisabled()).resolves.toBe(true);
    await context.close();
  });
});
