// The web app in a real browser: Debian's Chromium driven by playwright-core, against `aftercare start`
// on embedded defaults with its demo business, as a newcomer would open it. Every page a test visits
// can be checked with axe-core and photographed into the artifacts folder the README names.
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { runCli } from './cli.ts';
import { type EmbeddedEngine, startEmbeddedEngine } from './embedded-engine.ts';

export const SCREENSHOTS_DIR = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

export const chromiumPath = () => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export type StaffSignIn = { email: string; password: string; name: string };

export type WebAppEngine = EmbeddedEngine & {
  admin: StaffSignIn;
  successManager: StaffSignIn;
  marketer: StaffSignIn;
  appUrl: (path?: string) => string;
};

async function addStaff(engine: EmbeddedEngine, role: string, email: string, name: string): Promise<StaffSignIn> {
  const added = await runCli(['users', 'add', '--email', email, '--name', name, '--role', role], { DATA_DIR: engine.dataDir });
  const password = /Password \(shown once, keep it now\): (\S+)/.exec(added.stdout)?.[1];
  if (added.code !== 0 || !password) throw new Error(`users add failed: ${added.stdout}${added.stderr}`);
  return { email, password, name };
}

/** `aftercare start` with the demo business, its demo admin, and a success manager and a marketer. */
export async function startWebAppEngine(extraEnv: Record<string, string> = {}): Promise<WebAppEngine> {
  const engine = await startEmbeddedEngine({ AFTERCARE_SEED_DEMO: 'auto', ...extraEnv });
  const match = /Sign in:\s+(\S+@\S+) \/ (\S+)/.exec(engine.output());
  if (!match) throw new Error(`no demo sign-in in the banner: ${engine.output()}`);
  const admin = { email: match[1] as string, password: match[2] as string, name: 'Demo Admin' };
  const successManager = await addStaff(engine, 'success_manager', 'sam@example.com', 'Sam Success');
  const marketer = await addStaff(engine, 'marketer', 'mia@example.com', 'Mia Marketer');
  return Object.assign(engine, { admin, successManager, marketer, appUrl: (path = '') => `${engine.base}/app${path}` });
}

/** A fresh browser context (no cookies). CSP is bypassed only so that axe-core can be injected. */
export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    bypassCSP: true,
    viewport: { width: 1320, height: 900 },
    timezoneId: 'Europe/Paris',
    locale: 'en-GB',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

export async function signIn(page: Page, engine: WebAppEngine, who: StaffSignIn, path = ''): Promise<void> {
  await page.goto(engine.appUrl(path));
  await page.waitForURL(/\/app\/sign-in/);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The app's home forwards to the role's own page: wait for where the user really lands.
  await page.waitForURL((url) => !url.pathname.startsWith('/app/sign-in') && url.pathname !== '/app' && url.pathname !== '/app/');
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

/** axe-core over the page as it is now: no serious or critical violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // These callbacks run in the page; the test process has no DOM types, hence the casts of globalThis.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: await axeSource });
  const violations = await page.evaluate(async () => {
    const inPage = globalThis as unknown as {
      axe: { run: (context: unknown, options: object) => Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    const result = await inPage.axe.run(inPage.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `accessibility of ${name}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
}

/** A full-page screenshot into test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}

/** Checked and photographed: what every main page gets in the browser tests. */
export async function inspectPage(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await screenshot(page, name);
}
