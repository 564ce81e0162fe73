/**
 * The dashboard's Backtests page in a real browser (Debian's Chromium, playwright-core) over the
 * real app (hub with its backtest workers, HTTP server, PostgreSQL) on the simulated market: the
 * trader runs a short backtest from the form, the page follows the job to its result, which
 * shows the summary table and draws the equity curve against buy-and-hold (read back as pixels);
 * the run is listed afterwards; a leverage over the server's maximum is refused with the chat's
 * words as it is typed. Screenshots: test-results/dashboard/backtest*.png at 360 px wide.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { BacktestEvent } from '../../src/hub/backtest/types.js';
import { checkAgentField } from '../../src/shared/contract/agent-input.js';
import { startTestApp } from '../support/app-harness.js';
import { startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import {
  canvasInk,
  chromiumSkipReason,
  closeContexts,
  DASHBOARD_SHOTS,
  PHONE_VIEWPORT,
  DARK_THEME,
  inPage,
  launchChromium,
  stubTelegram,
  watchPage,
} from '../support/browser.js';
import { backtestParams } from '../fixtures/backtest-params.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { signInitData } from '../support/init-data.js';
import { waitUntil } from '../support/wait.js';

const BOT_TOKEN = '654321:TEST-backtests-bot-token';
const TRADER = { id: 5550201, first_name: 'Bea', username: 'bea' };
const OTHER = { id: 5550202, first_name: 'Oli', username: 'oli' };
const DAY = 86_400_000;
const SHOTS = DASHBOARD_SHOTS;
const VIEWPORT = PHONE_VIEWPORT;

const skip = chromiumSkipReason();

let api: BotApiServer;
let db: TestDatabase;
let app: App & { port: number };
let browser: Browser;
let ownerId: string;
let otherId: string;
const contexts: BrowserContext[] = [];
const pageProblems: string[] = [];

async function openBacktests(): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 2 });
  contexts.push(context);
  await stubTelegram(context, { initData: signInitData({ botToken: BOT_TOKEN, user: TRADER }), themeParams: DARK_THEME });
  const page = await context.newPage();
  watchPage(page, pageProblems);
  await page.goto(`${app.url}/app/`);
  await page.locator('[data-tab="backtests"]').click({ timeout: 15_000 });
  await page.locator('[data-form="backtest"]').waitFor({ timeout: 15_000 });
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

describe.skipIf(skip)('the Backtests page in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    api = await startBotApiServer({ token: BOT_TOKEN });
    db = await createTestDatabase('dash_bt');
    app = await startTestApp({
      databaseUrl: db.url,
      env: {
        TELEGRAM_BOT_TOKEN: BOT_TOKEN,
        TELEGRAM_API_ROOT: api.apiRoot,
        ACCESS_MODE: 'approval',
        ADMIN_TELEGRAM_IDS: String(TRADER.id),
        MARKET_DATA: 'simulated',
        // One worker: another trader's long run makes this trader's job wait in line.
        BACKTEST_CONCURRENCY: '1',
      },
    });
    ownerId = (await app.hub.users.register(TRADER.id, TRADER.first_name, TRADER.username)).user.id;
    otherId = (await app.hub.users.register(OTHER.id, OTHER.first_name, OTHER.username)).user.id;
    browser = await launchChromium();
  }, 90_000);

  afterEach(async ({ task }) => {
    // A failing test leaves a picture of what its pages showed.
    await closeContexts(contexts, task.result?.state === 'fail', (page, i) => shot(page, `failed-backtest-${i}`));
    expect(pageProblems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await api?.close();
    await db?.drop();
  });

  it('runs a short backtest from the form and shows its result table and equity chart', { timeout: 90_000 }, async () => {
    const page = await openBacktests();
    await page.locator('#field-timeframe').selectOption('1h');
    await page.locator('#field-period').selectOption('7d');
    await page.locator('#field-strategy').selectOption('auto');
    await page.locator('#field-amountUsdt').fill('1000');
    await page.locator('#field-leverage').fill('2');
    await page.locator('#field-tpPct').fill('3');
    await page.locator('#field-slPct').fill('2');
    await page.locator('[data-form="backtest"] button[type="submit"]').click();

    // The job is followed until it is done; then its result opens.
    await page.locator('.backtest-page [data-section="backtest-summary"]').waitFor({ timeout: 60_000 });
    const [run] = await app.hub.backtests.list(ownerId, 1);
    expect(run).toMatchObject({ symbol: 'BTCUSDT', timeframe: '1h', label: 'auto' });
    expect(page.url()).toContain(`/app/backtests/${run!.id}`);
    const summary = await page.locator('[data-section="backtest-summary"]').innerText();
    expect(summary).toContain('Buy and hold');
    expect(summary).toContain(`${run!.totalReturnPct!.toFixed(2)}%`);
    await waitUntil(async () => (await canvasInk(page, '[data-chart="backtest"]')).painted > 1000, 20_000, 'lines on the backtest chart');
    expect((await canvasInk(page, '[data-chart="backtest"]')).colours).toBeGreaterThan(5);
    await page.locator('[data-section="backtest-notes"]').waitFor();
    expect(await inPage<number>(page, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(VIEWPORT.width);
    await shot(page, 'backtest');

    // Back to the list: the run is there, and opens again.
    await page.locator('.backtest-page a').first().click();
    await page.locator(`[data-backtest-id="${run!.id}"]`).click();
    await page.locator(`.backtest-page[data-backtest-id="${run!.id}"] [data-section="backtest-summary"]`).waitFor();
  });

  it('refuses a leverage over the maximum with the chat’s words as it is typed', { timeout: 60_000 }, async () => {
    const page = await openBacktests();
    await page.locator('#field-leverage').fill('500');
    const chat = checkAgentField('leverage', 500, { maxLeverage: 20 });
    expect(chat.ok).toBe(false);
    await expect.poll(() => page.locator('[data-problem="leverage"]').innerText()).toBe(chat.ok ? '' : chat.message);
    await shot(page, 'backtests-form');
  });

  it('shows a job waiting in line with its place, and Cancel ends it', { timeout: 90_000 }, async () => {
    const page = await openBacktests();
    await page.locator('#field-period').selectOption('7d');
    // Another trader's /compare on a year of 5m bars (24 backtests of 105,120 bars) holds the only
    // worker meanwhile: tens of seconds, where one backtest of that year now takes about one.
    const events: BacktestEvent[] = [];
    const now = Date.now();
    const { strategy: _strategy, ...yearOf5m } = backtestParams(now - 365 * DAY, now, { timeframe: '5m' });
    const blocker = await app.hub.backtests.compare(otherId, yearOf5m, (e) => events.push(e));
    await page.locator('[data-form="backtest"] button[type="submit"]').click();
    const job = page.locator('[data-section="backtest-job"]');
    await job.locator('text=Queued: number 1 in line').waitFor({ timeout: 20_000 });
    await shot(page, 'backtest-queued');
    await job.locator('[data-action="cancel-backtest"]').click();
    await page.locator('[data-section="backtest-job"][data-state="cancelled"]').waitFor({ timeout: 10_000 });
    expect(await job.innerText()).toContain('Cancelled.');
    // The other run was still on all along (it is what made this one wait).
    expect(events.map((e) => e.kind)).not.toContain('done');
    expect(app.hub.backtests.cancel(otherId, blocker.id)).toBe(true);
    await waitUntil(() => events.some((e) => e.kind === 'cancelled'), 10_000, 'the other run cancelled');
  });
});
