// Debian's Chromium (installed by the stack's test packages) driven by playwright-core, which
// downloads no browser. A page is opened from file:// with every other request refused and
// recorded, and its console errors and page errors collected.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: run \`npm run stack:up\` (it installs the Debian package chromium)`);
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}

export interface OpenedPage {
  page: Page;
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
  /** Every request to anything but the file itself (each one refused). */
  leaving: string[];
  close: () => Promise<void>;
}

export async function openOffline(browser: Browser, file: string, viewport: { width: number; height: number }): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport, offline: true });
  const page = await context.newPage();
  const errors: string[] = [];
  const leaving: string[] = [];
  const own = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**', (route) => {
    const url = route.request().url();
    if (url === own) return route.continue();
    leaving.push(url);
    return route.abort();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !leaving.includes(r.url())) leaving.push(r.url());
  });
  await page.goto(own, { waitUntil: 'load' });
  return { page, errors, leaving, close: () => context.close() };
}
