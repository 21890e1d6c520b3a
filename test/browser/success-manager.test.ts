// A success manager's morning in the web app, in a real browser against `aftercare start` and its demo
// business: Today's alerts and at-risk list, filtered to high risk (the filter survives a reload), an
// account opened, a note, "contacted", an alert acknowledged, the customer's journeys paused, the account
// taken and its timeline filtered to notes, an alert snoozed, an email opened as the customer saw it and
// closed with Escape, then signing out. Every page is checked with
// axe-core and photographed.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPage, launchBrowser, newPage, signIn, startWebAppEngine, type WebAppEngine } from '../support/browser.ts';
import { waitFor } from '../support/embedded-engine.ts';

let engine: WebAppEngine;
let browser: Browser;

beforeAll(async () => {
  [engine, browser] = await Promise.all([startWebAppEngine(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await engine?.dispose();
});

const status = (page: Page) => page.locator('[role="status"].notice');

/** An open alert the demo raised (its detractor's service recovery, its first high scores), by the API. */
async function openAlertCount(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const body = (await (await fetch('/v1/alerts?status=open&limit=200')).json()) as { alerts: unknown[] };
    return body.alerts.length;
  });
}

describe('a success manager in the web app', () => {
  it('works an at-risk account from Today: filter, open, note, contacted, acknowledge, pause, assign, snooze, read an email, sign out', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.successManager);
    expect(new URL(page.url()).pathname).toBe('/app/today');
    await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    const table = page.getByRole('table');
    await table.waitFor();
    await inspectPage(page, 'today');

    // The demo's 61 customers: a first page of 50, then the rest by "Load more".
    expect(await table.locator('tbody tr').count()).toBe(50);
    await page.getByRole('button', { name: 'Load 50 more' }).click();
    await page.getByText(/Showing \d+ accounts \(all of them\)/).waitFor();
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(50);

    // Filter to high risk: the address keeps it, a reload keeps it, every row is high.
    await page.getByLabel('Risk band').selectOption('high');
    await page.waitForURL(/band=high/);
    await page.reload();
    await expect(page.getByLabel('Risk band').inputValue()).resolves.toBe('high');
    await table.locator('tbody tr').first().waitFor();
    const bands = await table.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(bands.length).toBeGreaterThan(0);
    expect(new Set(bands.map((b) => b.trim().toLowerCase()))).toEqual(new Set(['high']));
    // Each row's trend is there in words for those who cannot see the sparkline.
    await expect(table.locator('tbody tr').first().locator('.visually-hidden').textContent()).resolves.toMatch(/Score/);
    await inspectPage(page, 'today-high-risk');

    // Open the first account.
    const first = table.locator('tbody tr').first().getByRole('link').first();
    const name = (await first.textContent())?.trim() ?? '';
    await first.click();
    await page.waitForURL(/\/app\/customers\//);
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'What makes up the score' }).waitFor();
    await page.locator('.sm-timeline-item').first().waitFor();
    await inspectPage(page, 'account');

    // A note, then "contacted": each said in words and on the timeline.
    await page.getByLabel('Note', { exact: true }).fill('Called: the jacket was too small, exchange on its way.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect(status(page).textContent()).resolves.toContain('Note added');
    await page.getByText('Note by Sam Success: "Called: the jacket was too small, exchange on its way."').waitFor();
    await page.getByLabel('How you reached them').selectOption('call');
    await page.getByRole('button', { name: 'Mark contacted' }).click();
    await page.getByText(/Marked contacted \(phone call\)/).waitFor();
    await page.getByText('Contacted by Sam Success').first().waitFor();

    // Acknowledge an alert: this account's, or else one of the demo's open alerts on Today.
    const before = await openAlertCount(page);
    expect(before).toBeGreaterThan(0);
    const accountUrl = page.url();
    const here = page.getByRole('button', { name: /^Acknowledge/ });
    if ((await here.count()) === 0) {
      await page.getByRole('link', { name: '← Today' }).click();
      await page.waitForURL(/\/app\/today/);
    }
    await page
      .getByRole('button', { name: /^Acknowledge/ })
      .first()
      .click();
    await page.getByText(/^Acknowledged “/).waitFor();
    expect(await openAlertCount(page)).toBe(before - 1);
    if (page.url() !== accountUrl) {
      await page.goto(accountUrl);
      await page.getByRole('heading', { name, level: 1 }).waitFor();
    }

    // Pause the customer's journeys: said, shown, and the button now resumes.
    await page.getByRole('button', { name: 'Pause journeys' }).click();
    await page.getByText(/^Journeys paused:/).waitFor();
    await page.getByRole('button', { name: 'Resume journeys' }).waitFor();
    await expect(page.locator('.sm-paused').textContent()).resolves.toContain('Paused');

    // Take the account, then read only the notes on its timeline (the filter is kept in the address).
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByText('You own this account now.').waitFor();
    await page.getByRole('checkbox', { name: 'Notes' }).check();
    await page.waitForURL(/kinds=note/);
    await expect
      .poll(async () => new Set(await page.locator('.sm-timeline-item .pill').allTextContents()), { timeout: 10_000 })
      .toEqual(new Set(['Note']));

    // Snooze one of the open alerts nobody owns, from Today.
    await page.getByRole('link', { name: '← Today' }).click();
    await page.getByRole('heading', { name: /Nobody’s yet/ }).waitFor();
    await page
      .getByRole('combobox', { name: /^Snooze/ })
      .first()
      .selectOption({ label: 'For 3 days' });
    await page
      .getByRole('button', { name: /^Snooze/ })
      .first()
      .click();
    await page.getByText(/^Snoozed “.*” until /).waitFor();

    // An email as the customer saw it: the detractor's apology from the demo's service recovery.
    // It is written by the worker moments after the demo's answer; the wait says, if it ever runs out,
    // what the account's timeline held and what the engine logged.
    await waitFor(
      'an email on the unhappy customer’s timeline',
      async () => {
        const timeline = await engine.call('GET', '/v1/customers/demo-unhappy/timeline');
        return { timeline: timeline.body as { items?: { kind: string; summary: string }[] }, log: engine.output().slice(-3000) };
      },
      (seen) => (seen.timeline.items ?? []).some((item) => item.kind === 'message'),
      120_000,
    );
    await page.goto(engine.appUrl('/customers/demo-unhappy?kinds=message'));
    const open = page.getByRole('button', { name: /^Open email/ }).first();
    await open.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const frame = dialog.locator('iframe');
    await expect(frame.getAttribute('sandbox')).resolves.toBe('');
    await expect(frame.getAttribute('srcdoc')).resolves.toMatch(/<html|<p|<table/i);
    await dialog.getByText('Text version').click();
    // The dialog stays where the viewport was: from the top, the full-page photograph shows it over the page's head.
    await page.evaluate('window.scrollTo(0, 0)');
    await inspectPage(page, 'account-email');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/app\/sign-in/);
    await context.close();
  });

  it('shows a marketer the account without the actions their role may not take', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.marketer);
    await page.goto(engine.appUrl('/customers/demo-unhappy'));
    await page.getByRole('heading', { name: 'Sam Rivera', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    for (const action of ['Add note', 'Mark contacted', 'Pause journeys', 'Resume journeys', 'Assign to me']) {
      expect(await page.getByRole('button', { name: action }).count(), action).toBe(0);
    }
    expect(await page.getByRole('button', { name: /^Acknowledge/ }).count()).toBe(0);
    await page.goto(engine.appUrl('/customers/no-such-customer'));
    await page.getByRole('heading', { name: 'No such account' }).waitFor();
    await context.close();
  });
});
