// A marketer's day in the web app: the journeys at a glance, a journey's flow and whether it works
// (the lift over its holdout), an edit checked as it is typed, a new version published, and a draft
// tried on a customer in their own time zone. A success manager sees the same pages without the
// marketer's buttons, and the server refuses them anyway.
import type { Browser, Page } from 'playwright-core';
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

const problems = (page: Page) => page.getByRole('list', { name: 'Problems in the definition' }).getByRole('listitem');

describe('a marketer runs journeys in the web app', () => {
  it('opens the journeys, a journey with its flow and the lift over its holdout, edits it with an error shown at its path, publishes version 2 and simulates a customer', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.marketer);
    expect(new URL(page.url()).pathname).toBe('/app/journeys');

    // The list: every shipped journey with its status, version and counts.
    await page.getByRole('heading', { name: 'Journeys', level: 1 }).waitFor();
    const winBackRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Win-back' }) });
    await expect(winBackRow.getByRole('cell').first().textContent()).resolves.toBe('active');
    await expect(page.getByRole('columnheader', { name: 'Goal reached' }).count()).resolves.toBe(1);
    await inspectPage(page, 'journeys');

    // The journey: its flow drawn, its goal and exits, and the lift with its interval.
    await page.getByRole('link', { name: 'Win-back' }).click();
    await page.waitForURL(/\/app\/journeys\/win-back$/);
    const flow = page.getByRole('img', { name: /^Flow diagram of Win-back: 7 steps/ });
    await flow.waitFor();
    const drawn = await flow.textContent();
    for (const label of [
      'when there is no order for P60D',
      'send winback',
      'wait P14D',
      'goal: order.placed within P30D',
      'exit on order.placed',
    ]) {
      expect(drawn).toContain(label);
    }
    await expect(page.getByRole('list', { name: 'The steps of Win-back in words' }).getByRole('listitem').count()).resolves.toBeGreaterThan(
      7,
    );
    const lift = page.getByRole('img', { name: /^Lift over the holdout: .* points \(95% interval .* to .*\)/ });
    await lift.waitFor();
    // Drawn by recharts once its container is measured: the whisker of the interval around the lift.
    await lift.locator('.recharts-errorBar line').first().waitFor({ state: 'attached' });
    await expect(page.getByRole('button', { name: 'Pause' }).isVisible()).resolves.toBe(true);
    await inspectPage(page, 'journey');

    // The editor: one wrong duration is shown at its path and line, and publishing waits for the fix.
    await page.getByRole('link', { name: 'Edit and simulate' }).click();
    await page.waitForURL(/\/app\/journeys\/win-back\/edit$/);
    const yaml = page.getByLabel('Definition (YAML)');
    await page.getByText('No problems. Change the definition to publish a new version.').waitFor();
    const original = await yaml.inputValue();
    expect(original).toContain('duration: P14D');
    const broken = original.replace('duration: P14D', 'duration: fortnight');
    await yaml.fill(broken);
    await page.getByText('1 problem to fix before publishing.').waitFor();
    await expect(problems(page).count()).resolves.toBe(1);
    const problem = (await problems(page).first().textContent()) ?? '';
    const line = broken.split('\n').findIndex((text) => text.includes('fortnight')) + 1;
    expect(problem).toContain(`Line ${line}`);
    expect(problem).toContain('steps[2].wait.duration');
    expect(problem).toContain('must be a positive ISO-8601 duration');
    await expect(yaml.getAttribute('aria-invalid')).resolves.toBe('true');
    const publish = page.getByRole('button', { name: 'Publish version 2' });
    await expect(publish.isDisabled()).resolves.toBe(true);
    // The line link puts the caret on the faulty line.
    await problems(page)
      .first()
      .getByRole('button', { name: `Line ${line}` })
      .click();
    const selected = await yaml.evaluate((area) => {
      const element = area as unknown as { value: string; selectionStart: number; selectionEnd: number };
      return element.value.slice(element.selectionStart, element.selectionEnd);
    });
    expect(selected.trim()).toBe('duration: fortnight');
    await inspectPage(page, 'journey-editor-error');

    await yaml.fill(original.replace('duration: P14D', 'duration: P21D'));
    await page.getByText('No problems: ready to publish.').waitFor();
    await expect(problems(page).count()).resolves.toBe(0);
    await publish.click();

    // Back on the journey: version 2, published by the marketer, and its diff from version 1.
    await page.waitForURL(/\/app\/journeys\/win-back$/);
    await page.getByText('Version 2 published.').waitFor();
    await expect(page.locator('.subtitle').textContent()).resolves.toContain('version 2');
    const versions = page.getByRole('table', { name: 'Versions of this journey' });
    await expect(versions.getByRole('row').nth(1).textContent()).resolves.toMatch(/^2\s*current.*mia@example\.com$/);
    await page.getByText('From version 1 to version 2: 1 line added, 1 removed.').waitFor();
    await expect(page.locator('del').textContent()).resolves.toMatch(/removed:\s+duration: P14D/);
    await expect(page.locator('ins').textContent()).resolves.toMatch(/added:\s+duration: P21D/);

    // Simulation: a stored customer found by name, the timeline in their own time zone.
    await page.getByRole('link', { name: 'Edit and simulate' }).click();
    await page.waitForURL(/\/edit$/);
    await page.getByLabel('Find a customer by name or email').fill('Ada');
    const someone = page.getByRole('group', { name: 'Customers found' }).getByRole('radio').first();
    await someone.check();
    await page.getByRole('button', { name: 'Add an event' }).click();
    await page.getByLabel('Event 1', { exact: true }).selectOption('order.placed');
    await page.getByLabel('After (e.g. P3D, PT6H)').fill('P20D');
    await page.getByRole('button', { name: 'Run simulation' }).click();
    const result = page.getByRole('region', { name: 'What would happen' });
    await result.waitFor();
    const zone = /Times in the customer’s time zone, (\S+)\./.exec((await result.textContent()) ?? '')?.[1];
    expect(zone).toMatch(/^[A-Z][a-z]+\/[A-Za-z_]+$/);
    await expect(result.getByRole('columnheader', { name: `When (${zone})` }).count()).resolves.toBe(1);
    await expect(result.textContent()).resolves.toContain('Goal reached');
    await expect(result.getByRole('row').count()).resolves.toBeGreaterThan(2);
    await inspectPage(page, 'journey-simulation');
    await context.close();
  });

  it('asks before archiving, and keeps the journey when the marketer changes their mind', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.marketer, '/journeys/review-request');
    await page.getByRole('button', { name: 'Archive…' }).click();
    const confirm = page.getByRole('group', { name: 'Archive Review request?' });
    await expect(confirm.textContent()).resolves.toContain('This cannot be undone.');
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    await expect(page.getByRole('group', { name: 'Archive Review request?' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByText('Review request is paused.').waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('Review request is resumed.').waitFor();
    await context.close();
  });

  it('shows a success manager the journey without publish, pause or archive (the server refuses them anyway), and simulates a customer they describe in that customer’s time zone', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, engine, engine.successManager, '/journeys/post-purchase-checkin');
    await page.getByRole('img', { name: /^Flow diagram of Post-purchase check-in/ }).waitFor();
    for (const name of ['Pause', 'Resume', 'Archive…']) await expect(page.getByRole('button', { name }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Simulate' }).click();
    await page.waitForURL(/\/edit$/);
    await page.getByText('Only marketers and admins publish journeys').waitFor();
    await expect(page.getByRole('button', { name: /^Publish/ }).count()).resolves.toBe(0);
    // A customer described here, in New York: the check-in waits for the delivery, two days, then the daytime there.
    await page.getByRole('radio', { name: 'A customer I describe' }).check();
    await page.getByLabel('Time zone (IANA)').fill('America/New_York');
    await page.getByRole('button', { name: 'Add an event' }).click();
    await page.getByLabel('Event 1', { exact: true }).selectOption('order.delivered');
    await page.getByLabel('After (e.g. P3D, PT6H)').fill('P1D');
    await page.getByRole('button', { name: 'Run simulation' }).click();
    const result = page.getByRole('region', { name: 'What would happen' });
    await result.waitFor();
    await expect(result.textContent()).resolves.toContain('Times in the customer’s time zone, America/New_York.');
    const sent = result.getByRole('row').filter({ hasText: 'checkin-email' }).filter({ hasText: 'sent' });
    // Sent between 10:00 and 18:00 New York time (EST or EDT), whatever the viewer's zone.
    await expect(sent.getByRole('cell').first().textContent()).resolves.toMatch(/\b(1\d):\d\d (EST|EDT|GMT-[45])$/);
    const refused = await page.evaluate(async () => {
      const who = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const write = (path: string) =>
        fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrfToken }, body: '{}' });
      return [
        (await write('/v1/journeys/post-purchase-checkin/pause')).status,
        (await write('/v1/journeys/post-purchase-checkin/versions')).status,
      ];
    });
    expect(refused).toEqual([403, 403]);
    await context.close();
  });
});
