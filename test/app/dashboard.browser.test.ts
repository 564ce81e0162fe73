/**
 * The Mini App dashboard in a real browser: Debian's Chromium (headless, playwright-core) opens
 * `/app` of the real app (hub, HTTP server, PostgreSQL, agents as child processes on the
 * simulated market) with a stand-in `window.Telegram.WebApp` carrying `initData` signed for the
 * test bot token, as a Telegram client would. It checks that
 * - the agent list follows an agent's status live (over /ws) when the hub starts it;
 * - the agent page draws its price chart (the canvas has candles in it, read back as pixels);
 * - Stop asks through Telegram's `showConfirm` and stops the agent in the hub;
 * - the new-agent form refuses a value with the chat's own words;
 * - a plain browser signs in once with a /dashboard login code and follows a deep link;
 * - a forged `initData` shows "Not authorised", a pending user sees only that.
 * Every page is saved as a screenshot under test-results/dashboard/ at 360 px wide.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { initDataHash } from '../../src/hub/auth/init-data.js';
import { checkAgentField } from '../../src/shared/contract/agent-input.js';
import { freePortRange, startTestApp } from '../support/app-harness.js';
import { startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import {
  canvasInk,
  chromiumSkipReason,
  closeContexts,
  DASHBOARD_SHOTS,
  PHONE_VIEWPORT,
  confirmsAsked,
  DARK_THEME,
  inPage,
  launchChromium,
  stubTelegram,
  watchPage,
} from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitUntil } from '../support/wait.js';

const BOT_TOKEN = '654321:TEST-dashboard-bot-token';
const TRADER = { id: 5550101, first_name: 'Tess', username: 'tess' };
const NEWCOMER = { id: 5550102, first_name: 'Nina', username: 'nina' };
const SHOTS = DASHBOARD_SHOTS;
const VIEWPORT = PHONE_VIEWPORT;

const skip = chromiumSkipReason();

/** `initData` as Telegram signs it for `botToken` (the spec's HMAC; the hub checks the same). */
function signedInitData(user: object, botToken = BOT_TOKEN): string {
  const fields: Array<[string, string]> = [
    ['auth_date', String(Math.floor(Date.now() / 1000))],
    ['query_id', `AAH${Math.random().toString(36).slice(2)}`],
    ['user', JSON.stringify(user)],
  ];
  return new URLSearchParams([...fields, ['hash', initDataHash(fields, botToken)]]).toString();
}

let api: BotApiServer;
let db: TestDatabase;
let app: App & { port: number };
let browser: Browser;
let ownerId: string;
let agentId: string;

/** Script errors and failed API calls of the pages opened, checked after each test. */
const pageProblems: string[] = [];
/** Browser contexts of the running test, closed after it. */
const contexts: BrowserContext[] = [];

async function openDashboard(stub: Parameters<typeof stubTelegram>[1]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 2 });
  contexts.push(context);
  await stubTelegram(context, stub);
  const page = await context.newPage();
  watchPage(page, pageProblems);
  await page.goto(`${app.url}/app/`);
  // Signed in (or refused): the exchange is over before a test navigates, as a person would wait.
  await page.locator('.tabs, [data-gate]:not([data-gate="checking"])').first().waitFor({ timeout: 15_000 });
  return { context, page };
}

/** Saves the whole page (or only what the 360 × 780 screen shows) as test-results/dashboard/<name>.png. */
const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });

describe.skipIf(skip)('the dashboard in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    api = await startBotApiServer({ token: BOT_TOKEN });
    db = await createTestDatabase('dash');
    const range = await freePortRange(4);
    app = await startTestApp({
      databaseUrl: db.url,
      env: {
        TELEGRAM_BOT_TOKEN: BOT_TOKEN,
        TELEGRAM_API_ROOT: api.apiRoot,
        ACCESS_MODE: 'approval',
        ADMIN_TELEGRAM_IDS: String(TRADER.id),
        AGENT_RUNTIME: 'process',
        AGENT_PORT_RANGE: `${range.from}-${range.to}`,
        AGENT_HEALTH_INTERVAL_MS: '500',
        MARKET_DATA: 'simulated',
      },
    });
    ownerId = (await app.hub.users.register(TRADER.id, TRADER.first_name, TRADER.username)).user.id;
    await app.hub.users.register(NEWCOMER.id, NEWCOMER.first_name, NEWCOMER.username);
    const agent = await app.hub.agents.create(ownerId, {
      name: 'btc-scalper',
      symbol: 'BTCUSDT',
      amountUsdt: 500,
      leverage: 3,
      timeframe: '1m',
      pollSeconds: 1,
      strategy: 'supertrend',
      tpPct: 2,
      slPct: 1,
    });
    agentId = agent.id;
    browser = await launchChromium();
  }, 90_000);

  afterEach(async ({ task }) => {
    // A failing test leaves a picture of what its pages showed.
    await closeContexts(contexts, task.result?.state === 'fail', (page, i) =>
      shot(page, `failed-${task.name.replace(/\W+/g, '-').slice(0, 50)}-${i}`),
    );
    expect(pageProblems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await api?.close();
    await db?.drop();
  });

  it('lists the agents and follows a status change live, in Telegram’s theme at 360 px', { timeout: 60_000 }, async () => {
    const { page } = await openDashboard({ initData: signedInitData(TRADER), themeParams: DARK_THEME });
    const row = page.locator(`[data-agent-id="${agentId}"]`);
    await row.locator('[data-status="created"]').waitFor({ timeout: 15_000 });
    expect(await inPage(page, 'getComputedStyle(document.documentElement).backgroundColor')).toBe('rgb(23, 33, 43)');

    // The hub starts the agent; the page is not reloaded: the row must follow over /ws.
    await app.hub.lifecycle.start(ownerId, agentId);
    await row.locator('[data-status="running"]').waitFor({ timeout: 20_000 });
    // The agent's own reports (price) arrive too.
    await waitUntil(async () => !(await row.innerText()).includes('Price —'), 20_000, 'a live price in the row');
    expect(await inPage<number>(page, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(VIEWPORT.width);
    await shot(page, 'agents');
  });

  it('opens the agent and draws its price chart', { timeout: 60_000 }, async () => {
    const { page } = await openDashboard({ initData: signedInitData(TRADER), themeParams: DARK_THEME });
    await page.locator(`[data-agent-id="${agentId}"]`).click();
    await page.locator('.agent-page').waitFor();
    await waitUntil(async () => (await canvasInk(page, '[data-chart="price"]')).painted > 2000, 20_000, 'candles on the price chart');
    const ink = await canvasInk(page, '[data-chart="price"]');
    expect(ink.canvases).toBeGreaterThan(0);
    // Candles of both colours, grid, labels: many colours, not one flat fill.
    expect(ink.colours).toBeGreaterThan(10);
    await page.locator('[data-section="logs"] .log-line').first().waitFor({ timeout: 20_000 });
    expect(await inPage<number>(page, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(VIEWPORT.width);
    await shot(page, 'agent');
    // What a phone shows first: the picture in the README (docs/img/dashboard.png).
    await shot(page, 'agent-screen', false);
  });

  it('stops the agent through Telegram’s confirmation', { timeout: 60_000 }, async () => {
    // Running, whether or not the first test started it (run alone, it did not).
    if ((await app.hub.agents.find(ownerId, agentId)).status !== 'running') await app.hub.lifecycle.start(ownerId, agentId);
    const { page } = await openDashboard({ initData: signedInitData(TRADER), themeParams: DARK_THEME });
    await page.goto(`${app.url}/app/agents/${agentId}`);
    await page.locator('[data-action="stop"]').click();
    await page.locator('.agent-page [data-status="stopped"]').waitFor({ timeout: 20_000 });
    expect(await confirmsAsked(page)).toEqual([expect.stringContaining('Stop btc-scalper?')]);
    expect((await app.hub.agents.find(ownerId, agentId)).status).toBe('stopped');
    await page.locator('[data-note="control"]').waitFor();
  });

  it('refuses a new agent’s value with the chat’s words, and shows the profit figures', { timeout: 60_000 }, async () => {
    const { page } = await openDashboard({ initData: signedInitData(TRADER), themeParams: DARK_THEME });
    await page.locator('[data-tab="new"]').click();
    await page.locator('#field-amountUsdt').fill('5');
    const chat = checkAgentField('amountUsdt', 5, { maxLeverage: 20 });
    expect(chat.ok).toBe(false);
    await expect.poll(() => page.locator('[data-problem="amountUsdt"]').innerText()).toBe(chat.ok ? '' : chat.message);
    await shot(page, 'new-agent');

    await page.locator('[data-tab="profit"]').click();
    await page.locator('h1', { hasText: 'Profit' }).waitFor();
    await page.locator('.card').first().waitFor();
    await shot(page, 'profit');
  });

  it('signs a plain browser in once with a /dashboard login code, and opens a deep link to an agent', { timeout: 60_000 }, async () => {
    const { code } = await app.hub.dashboardSessions.issueLoginCode(ownerId);
    const context = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${app.url}/app?agent=${agentId}#login=${code}`);
    await page.locator(`.agent-page[data-agent-id="${agentId}"]`).waitFor({ timeout: 15_000 });
    // The code leaves the address at once (a copied link carries no credential).
    expect(page.url()).not.toContain(code);

    // Single use: another browser with the same link is not let in.
    const again = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    contexts.push(again.context());
    await again.goto(`${app.url}/app#login=${code}`);
    await again.locator('[data-gate="unauthorised"]').waitFor({ timeout: 15_000 });
  });

  it('shows "Not authorised" for a forged initData, and a pending user only their state', { timeout: 60_000 }, async () => {
    const forged = await openDashboard({ initData: signedInitData(TRADER, '999999:someone-elses-bot') });
    await forged.page.locator('[data-gate="unauthorised"]').waitFor({ timeout: 15_000 });
    // The hub's own words say why (here: not signed for this bot).
    expect(await forged.page.locator('[data-gate="unauthorised"]').innerText()).toContain('not signed for this bot');
    expect(await forged.page.locator('.tabs').count()).toBe(0);
    await shot(forged.page, 'not-authorised');
    const pending = await openDashboard({ initData: signedInitData(NEWCOMER) });
    await pending.page.locator('[data-gate="pending"]').waitFor({ timeout: 15_000 });
    expect(await pending.page.locator('.tabs').count()).toBe(0);
    await shot(pending.page, 'pending');
  });
});
