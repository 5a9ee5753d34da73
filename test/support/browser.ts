import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from '../setup/browser-suites.js';

/** Where UI tests save their screenshots: kept as the run's artifacts (not committed). */
export const ARTIFACTS = path.resolve('test-artifacts/ui');

/**
 * Debian's chromium, headless, driven by playwright-core (which never downloads a browser). The flags keep it
 * off the network: this machine has none, and without them chromium keeps trying to reach Google's services.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Saves a full-page screenshot of `page` as `<name>.png` in the artifacts folder. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Fails the test on an error in the page's own code, which playwright would otherwise only report to a listener. */
export function failOnPageErrors(page: Page): () => string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return () => errors;
}
