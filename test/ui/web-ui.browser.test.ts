import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedModel } from '../../core/testing/index.js';
import { ADMIN_TOKEN, startAdminApp, type AdminTestApp } from '../support/admin.js';
import { failOnPageErrors, launchChromium, screenshot } from '../support/browser.js';
import { halfwayPlugin } from '../support/run-plugin.js';

let t: AdminTestApp;
let browser: Browser;
let page: Page;
let pageErrors: () => string[];
const halfway = halfwayPlugin();

beforeAll(async () => {
  t = await startAdminApp(
    { AGENT_REPLY_FORMAT: 'text', PLUGINS_ENABLED: `nekomata.example_config,${halfway.key}` },
    { provider: scriptedModel(['Hello from the bot']), plugins: [halfway] },
  );
  browser = await launchChromium();
  page = await browser.newPage({ locale: 'en-US' });
  pageErrors = failOnPageErrors(page);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const go = async (hash: string) => {
  await page.click(`nav a[data-page=${hash}]`);
  await page.waitForURL(`**/#${hash}`);
};

describe('the Web UI in a real browser', () => {
  it('refuses a wrong token, then logs in and shows the adapters', async () => {
    await page.goto(`${t.url}/`);
    await page.fill('input[name=token]', 'not-the-admin-token');
    await page.click('form.login button[type=submit]');
    await page.getByRole('alert').getByText('Wrong token').waitFor();
    await screenshot(page, '01-login-refused');
    await page.fill('input[name=token]', ADMIN_TOKEN);
    await page.click('form.login button[type=submit]');
    await page.locator('[data-testid=adapters] tr[data-adapter=web] .badge.open').waitFor();
    await screenshot(page, '02-dashboard');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'nekomata_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie.expires).toBeGreaterThan(Date.now() / 1000);
  });

  it('disables and re-enables a plugin', async () => {
    await go('plugins');
    const item = page.locator('[data-plugin="nekomata.example_config"]');
    await item.locator('[data-testid=toggle]').click();
    await item.locator('.badge.disabled').waitFor();
    expect(t.app.plugins.get('nekomata.example_config')?.info.state).toBe('disabled');
    await screenshot(page, '03-plugin-disabled');
    await item.locator('[data-testid=toggle]').click();
    await item.locator('.badge.enabled').waitFor();
    expect(t.app.plugins.get('nekomata.example_config')?.info.state).toBe('enabled');
    expect(t.app.audit.recent(2).map((r) => r.action)).toEqual(['plugin.enable', 'plugin.disable']);
  });

  it('shows a config validation error by its field, then saves a valid value that persists', async () => {
    const item = page.locator('[data-plugin="nekomata.example_config"]');
    await item.locator('button.link').click();
    const form = item.locator('[data-testid=config-form]');
    await form.locator('input[name=maxLength]').fill('0');
    await form.locator('button[type=submit]').click();
    await form.locator('.field-error[data-field=maxLength]').waitFor();
    await screenshot(page, '04-config-invalid');
    expect(t.app.plugins.get('nekomata.example_config')?.config.value).toMatchObject({ maxLength: 2000 });
    await form.locator('input[name=maxLength]').fill('500');
    await form.locator('button[type=submit]').click();
    await form.getByText('Saved').waitFor();
    expect(await form.locator('.field-error').count()).toBe(0);
    const stored = await t.app.store.kv.get({ pluginKey: '__config__', key: 'nekomata.example_config' });
    expect(JSON.parse(stored!)).toMatchObject({ maxLength: 500 });
    await screenshot(page, '05-config-saved');
  });

  it('runs /echo from the command runner and shows its output', async () => {
    await go('commands');
    await page.fill('input[name=command]', '/echo hello from the runner');
    await page.click('form.runner button[type=submit]');
    await page.locator('[data-testid=command-output] .line.success', { hasText: 'hello from the runner' }).waitFor();
    await screenshot(page, '06-command-runner');
  });

  it('chats from the browser: the message, its batch and the reply, and the message in the live log', async () => {
    await go('webchat');
    await page.fill('input[name=message]', 'hi bot, are you there?');
    await page.click('.webchat form button[type=submit]');
    const chat = page.locator('[data-testid=chat]');
    await chat.locator('li.me', { hasText: 'hi bot, are you there?' }).waitFor();
    await chat.locator('li.batch').waitFor();
    await chat.locator('li.bot', { hasText: 'Hello from the bot' }).waitFor();
    await screenshot(page, '07-web-chat');
    await go('logs');
    await page.locator('[data-testid=logs] .line', { hasText: 'web chat message from alice in web-private_alice: hi bot, are you there?' }).waitFor();
    await screenshot(page, '08-live-log');
  });

  it('watches a run’s progress and cancels it, after its arguments were refused by field; the cancel shows on the live bus', async () => {
    await go('runs');
    await page.selectOption('select[name=entry]', `${halfway.key}:work`);
    await page.fill('textarea[name=args]', '{ "label": "", "steps": 2 }');
    await page.click('form.start-run button[type=submit]');
    await page.locator('[data-testid=run-errors] li[data-field=label]').waitFor();
    await screenshot(page, '10-run-arguments-refused');
    expect(await t.app.neko.runs.list({ plugin: halfway.key })).toEqual([]);
    await page.fill('textarea[name=args]', '{ "label": "from the browser", "steps": 2 }');
    await page.click('form.start-run button[type=submit]');
    const run = page.locator('[data-testid=runs] li', { hasText: halfway.key });
    await run.locator('[data-testid=run-percent]', { hasText: '50%' }).waitFor();
    await run.getByText('half way · from the browser').waitFor();
    await screenshot(page, '11-run-progress');
    await run.locator('[data-testid=cancel]').click();
    await run.locator('.badge.canceled').waitFor();
    await screenshot(page, '12-run-canceled');
    expect((await t.app.neko.runs.list({ plugin: halfway.key })).map((r) => r.status)).toEqual(['canceled']);
    await go('bus');
    await page.locator('[data-testid=bus] .line[data-type=admin]', { hasText: 'run.cancel' }).waitFor();
    await screenshot(page, '13-bus-live');
  });

  it('switches to Chinese and fits a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.selectOption('header select', 'zh');
    await page.locator('nav a[data-page=plugins]', { hasText: '插件' }).waitFor();
    // Runs in the page, where `document` and `window` exist (this file is type-checked without the DOM library).
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, '09-phone-zh');
    expect(pageErrors()).toEqual([]);
  });
});
