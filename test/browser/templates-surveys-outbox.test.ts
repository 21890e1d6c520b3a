// A marketer checks what customers get and what they answer, on the demo business: the template list, the
// check-in previewed in French with a chosen customer's data, the survey results with the demo's unhappy
// answer, and the outbox with the demo's apology opened as the customer sees it. Every page passes axe
// and is photographed.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPage, launchBrowser, newPage, signIn, startWebAppEngine, type WebAppEngine } from '../support/browser.ts';
import { waitFor } from '../support/embedded-engine.ts';

let engine: WebAppEngine;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [engine, browser] = await Promise.all([startWebAppEngine(), launchBrowser()]);
  ({ context, page } = await newPage(browser));
  await signIn(page, engine, engine.marketer);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await engine?.dispose();
});

const main = () => page.getByRole('main');

describe('templates, survey results and the outbox in the web app', () => {
  it('lists the templates with their category, languages and subject line', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Templates' }).click();
    await page.waitForURL(/\/app\/templates$/);
    const checkin = main()
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: 'checkin', exact: true }) });
    await expect(checkin.textContent()).resolves.toMatch(/transactional/);
    await expect(checkin.getByRole('list', { name: 'Languages of checkin' }).textContent()).resolves.toBe('endefr');
    await expect(checkin.textContent()).resolves.toContain('how is your order going?');
    await expect(main().getByRole('row').count()).resolves.toBeGreaterThanOrEqual(7);
    await inspectPage(page, 'templates');
  });

  it('previews the check-in in French with a chosen customer’s data and its survey', async () => {
    await main().getByRole('link', { name: 'checkin', exact: true }).click();
    await page.waitForURL(/\/app\/templates\/checkin/);
    await main()
      .getByRole('heading', { name: /^Subject: .*how is your order going\?/ })
      .waitFor();

    await main().getByLabel('A customer’s data').check();
    await main().getByRole('searchbox', { name: 'Find a customer' }).fill('Rivera');
    await main().getByRole('button', { name: 'Find' }).click();
    await main()
      .getByRole('list', { name: 'Customers found' })
      .getByRole('button', { name: /Sam Rivera/ })
      .click();
    await expect(main().getByRole('status').filter({ hasText: 'Previewing with' }).textContent()).resolves.toContain('Sam Rivera');
    await main()
      .getByRole('tab', { name: /French/ })
      .click();
    await main().getByLabel('Survey block').selectOption('csat');

    await main().getByRole('heading', { name: 'Subject: Sam, votre commande vous plaît-elle ?' }).waitFor();
    expect(page.url()).toMatch(/locale=fr/);
    expect(page.url()).toMatch(/customer=demo-unhappy/);
    const frame = main().locator('iframe[title="Preview of checkin in French"]');
    await expect(frame.getAttribute('sandbox')).resolves.toBe('');
    // The survey block arrives with the preview rendered after the last choice.
    const html = await waitFor(
      'the survey in the preview',
      async () => (await frame.getAttribute('srcdoc')) ?? '',
      (text) => /\/s\//.test(text),
      15_000,
    );
    expect(html).toContain('Sam');
    expect(html).toContain('Rain jacket');
    expect(html).toMatch(/\/s\//); // the survey's score links
    await expect(main().getByRole('region', { name: 'Text version' }).textContent()).resolves.toContain('Bonjour Sam');
    await inspectPage(page, 'template-preview');

    // The arrow keys move between the languages, as in any tab list: right of the last comes the first.
    await main()
      .getByRole('tab', { name: /French/ })
      .press('ArrowRight');
    await page.waitForURL(/locale=en/);
    const english = main().getByRole('tab', { name: /English/ });
    await waitFor(
      'the English tab selected',
      () => english.getAttribute('aria-selected'),
      (selected) => selected === 'true',
      5_000,
    );
    await waitFor(
      'focus on the English tab',
      async () =>
        (await page.locator(':focus').getAttribute('role')) === 'tab' && (await page.locator(':focus').textContent())?.includes('English'),
      Boolean,
      5_000,
    );
  });

  it('shows the survey results with the demo’s unhappy answer, by week and by journey', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Surveys' }).click();
    await page.waitForURL(/\/app\/surveys$/);
    const csat = main().getByRole('region', { name: 'CSAT' });
    await expect(csat.textContent()).resolves.toContain('1 / 5');
    await expect(csat.textContent()).resolves.toContain('0 of 1 answers');
    const byJourney = main().getByRole('region', { name: 'By journey' });
    await expect(byJourney.getByRole('row', { name: /Post-purchase check-in/ }).textContent()).resolves.toMatch(/1.*1 \/ 5/);
    const weekly = main().getByRole('table', { name: 'The weekly figures' });
    await expect(weekly.getByRole('row').count()).resolves.toBeGreaterThanOrEqual(2);
    await inspectPage(page, 'surveys');

    // A journey without answers: the empty state says what to do.
    await main().getByLabel('Journey', { exact: true }).selectOption('win-back');
    await main().getByText('No survey answers in this period.').waitFor();
    expect(page.url()).toMatch(/journey=win-back/);
  });

  it('lists the demo’s emails in the outbox and opens the apology as the customer sees it', async () => {
    // The service recovery's apology goes out moments after the demo's unhappy answer.
    await waitFor(
      'the apology in the outbox',
      async () => (await engine.call('GET', '/v1/outbox')).body as { emails: { to: string }[] },
      (page) => page.emails.some((email) => email.to === 'sam.rivera@example.com'),
    );
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' }).click();
    await page.waitForURL(/\/app\/outbox$/);
    const apology = main()
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: /We are sorry, Sam/ }) })
      .first();
    await expect(apology.textContent()).resolves.toContain('service-recovery');
    await inspectPage(page, 'outbox');

    await apology.getByRole('link', { name: /We are sorry, Sam/ }).click();
    await page.waitForURL(/\/app\/outbox\?email=/);
    const open = main().getByRole('region', { name: 'The open email' });
    await open.getByRole('heading', { name: /Subject: We are sorry, Sam/ }).waitFor();
    await expect(open.textContent()).resolves.toContain('sam.rivera@example.com');
    await expect(open.locator('iframe').getAttribute('sandbox')).resolves.toBe('');
    await expect(open.getByRole('region', { name: 'Text version' }).textContent()).resolves.toContain(
      'Someone from our team will look into it personally',
    );
    await inspectPage(page, 'outbox-email');

    // The open email has its own address: a reload shows it again.
    await page.reload();
    await main()
      .getByRole('region', { name: 'The open email' })
      .getByRole('heading', { name: /We are sorry, Sam/ })
      .waitFor();
  });
});
