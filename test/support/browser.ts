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
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

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
 */
export async function stubTelegram(context: BrowserContext, stub: TelegramStub): Promise<void> {
  await context.addInitScript((s: TelegramStub) => {
    const record = { confirms: [] as string[], ready: false };
    (window as unknown as { __telegram: typeof record }).__telegram = record;
    (window as unknown as { Telegram: unknown }).Telegram = {
      WebApp: {
        initData: s.initData,
        initDataUnsafe: { start_param: s.startParam },
        colorScheme: s.colorScheme ?? 'dark',
        themeParams: s.themeParams ?? {},
        ready: () => void (record.ready = true),
        expand: () => undefined,
        onEvent: () => undefined,
        showConfirm: (message: string, callback?: (ok: boolean) => void) => {
          record.confirms.push(message);
          setTimeout(() => callback?.(s.confirmAnswer ?? true), 0);
        },
      },
    };
  }, stub);
}

/** Questions the page asked through `showConfirm`, in order. */
export function confirmsAsked(page: { evaluate<T>(f: () => T): Promise<T> }): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __telegram: { confirms: string[] } }).__telegram.confirms);
}
