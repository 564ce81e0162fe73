/**
 * A real browser for tests: Debian's Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH) driven
 * headless by playwright-core, and a stand-in for `window.Telegram.WebApp` that a page sees
 * before its own scripts run.
 *
 * Skipping: only outside CI when no Chromium binary exists. Under CI (`CI` set) a missing
 * binary is a failure: .ci/run installs Debian's `chromium`, so its absence is a broken setup,
 * never a reason to pass quietly.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/paths.js';

/** Where the dashboard's browser tests save their screenshots, and the phone screen they use. */
export const DASHBOARD_SHOTS = path.join(PROJECT_ROOT, 'test-results', 'dashboard');
export const PHONE_VIEWPORT = { width: 360, height: 780 };

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const underCi = () => Boolean(process.env.CI) && process.env.CI !== 'false';

/** Undefined when the browser tests can run; otherwise why they skip. Throws under CI without Chromium. */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  if (underCi()) {
    throw new Error(
      `CI is set but there is no Chromium at ${CHROMIUM_PATH}: .ci/run installs Debian's chromium; the browser test must not skip.`,
    );
  }
  const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  process.stderr.write(`\n[browser suite skipped] ${reason}\n`);
  return reason;
}

/** Headless Chromium as CI runs it: no sandbox (root in a container), no GPU, no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Telegram's dark theme colours as a client sends them in `themeParams`. */
export const DARK_THEME = {
  bg_color: '#17212b',
  secondary_bg_color: '#232e3c',
  section_bg_color: '#1d2733',
  text_color: '#f5f5f5',
  hint_color: '#708499',
  link_color: '#6ab3f3',
  button_color: '#5288c1',
  button_text_color: '#ffffff',
  destructive_text_color: '#ec3942',
} as const;

export interface TelegramStub {
  initData: string;
  startParam?: string;
  themeParams?: Record<string, string>;
  colorScheme?: 'light' | 'dark';
  /** What `showConfirm` answers (default true). */
  confirmAnswer?: boolean;
}

/**
 * Installs `window.Telegram.WebApp` in every page of `context` before the page's scripts run.
 * `showConfirm` records each question in `window.__telegram.confirms` and answers `confirmAnswer`.
 * (Page-side code is JavaScript text: the test program has no DOM types, and text is what runs.)
 */
export async function stubTelegram(context: BrowserContext, stub: TelegramStub): Promise<void> {
  const webApp = {
    initData: stub.initData,
    initDataUnsafe: { start_param: stub.startParam },
    colorScheme: stub.colorScheme ?? 'dark',
    themeParams: stub.themeParams ?? {},
  };
  await context.addInitScript({
    content: `(() => {
      const record = { confirms: [], ready: false };
      window.__telegram = record;
      window.Telegram = {
        WebApp: Object.assign(${JSON.stringify(webApp)}, {
          ready: () => { record.ready = true; },
          expand: () => {},
          onEvent: () => {},
          showConfirm: (message, callback) => {
            record.confirms.push(message);
            setTimeout(() => callback && callback(${JSON.stringify(stub.confirmAnswer ?? true)}), 0);
          },
        }),
      };
    })();`,
  });
}

/** Questions the page asked through `showConfirm`, in order. */
export function confirmsAsked(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__telegram.confirms');
}

/** Evaluates a JavaScript expression in the page (the test program has no DOM types). */
export function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression);
}

/**
 * Painted pixels and distinct colours of the canvases under `selector`: a chart's drawing read
 * back from its canvases (lightweight-charts draws with a 2d context).
 */
export function canvasInk(page: Page, selector: string): Promise<{ canvases: number; painted: number; colours: number }> {
  return inPage(
    page,
    `(() => {
      const canvases = [...document.querySelectorAll(${JSON.stringify(`${selector} canvas`)})].filter((c) => c.width > 0 && c.height > 0);
      let painted = 0;
      const colours = new Set();
      for (const canvas of canvases) {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue;
          painted += 1;
          colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        }
      }
      return { canvases: canvases.length, painted, colours: colours.size };
    })()`,
  );
}

/** Records a page's script errors and the server's 5xx answers in `problems` (a test then expects none). */
export function watchPage(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 500) problems.push(`${response.status()} ${response.url()}`);
  });
}

/** After a test: a failed one leaves a picture of each of its pages (`shoot`); then every context it opened is closed. */
export async function closeContexts(
  contexts: BrowserContext[],
  failed: boolean,
  shoot: (page: Page, index: number) => Promise<unknown>,
): Promise<void> {
  if (failed) await Promise.all(contexts.flatMap((context) => context.pages()).map((page, i) => shoot(page, i)));
  await Promise.all(contexts.splice(0).map((context) => context.close()));
}
