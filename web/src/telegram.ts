/**
 * The page's host: Telegram (a Mini App) or a plain browser. The app talks only to `Host`.
 *
 * Inside Telegram the page uses `window.Telegram.WebApp` when something provided it (Telegram's
 * own telegram-web-app.js, or a test's stub). Otherwise it speaks Telegram's documented web-app
 * protocol itself (https://core.telegram.org/api/web-events): launch parameters come in the URL
 * fragment (`tgWebAppData`, `tgWebAppThemeParams`, `tgWebAppStartParam`), methods go out through
 * `TelegramWebviewProxy.postEvent` (mobile and desktop) or `postMessage` to the parent frame
 * (Telegram Web), and events come back through `Telegram.WebView.receiveEvent` or `message`.
 * That keeps the page free of scripts from any other origin.
 */

/** Telegram's theme colours (`#rrggbb`), by Telegram's names. */
export type ThemeParams = Partial<Record<string, string>>;

/** The part of `Telegram.WebApp` the app uses. */
export interface TelegramWebApp {
  initData: string;
  initDataUnsafe?: { start_param?: string };
  colorScheme?: 'light' | 'dark';
  themeParams?: ThemeParams;
  ready?(): void;
  expand?(): void;
  showConfirm(message: string, callback?: (confirmed: boolean) => void): void;
  onEvent?(event: 'themeChanged', handler: () => void): void;
}

export interface Host {
  /** `telegram` inside a Telegram client; `browser` otherwise. */
  kind: 'telegram' | 'browser';
  /** The signed launch data to exchange for a session (Telegram only; may be forged: the hub decides). */
  initData: string | undefined;
  /** `startapp` parameter of a direct link, e.g. `agent-<uuid>`. */
  startParam: string | undefined;
  theme(): { params: ThemeParams; scheme: 'light' | 'dark' };
  onThemeChanged(handler: () => void): void;
  /** Asks the user to confirm `message`; Telegram's own dialog inside Telegram. */
  confirm(message: string): Promise<boolean>;
  /** Tells Telegram the page is ready to show, and asks for the full height. */
  ready(): void;
}

declare global {
  interface Window {
    Telegram?: { WebApp?: TelegramWebApp; WebView?: { receiveEvent?: (name: string, data: unknown) => void } };
    TelegramWebviewProxy?: { postEvent(type: string, data: string): void };
  }
}

const LAUNCH_KEY = 'artic.launch';

function schemeOf(params: ThemeParams): 'light' | 'dark' {
  const bg = params.bg_color;
  if (!bg || !/^#[0-9a-f]{6}$/i.test(bg)) return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(bg.slice(i, i + 2), 16));
  return 0.299 * r! + 0.587 * g! + 0.114 * b! < 128 ? 'dark' : 'light';
}

function fromWebApp(app: TelegramWebApp): Host {
  return {
    kind: 'telegram',
    initData: app.initData || undefined,
    startParam: app.initDataUnsafe?.start_param,
    theme: () => ({ params: app.themeParams ?? {}, scheme: app.colorScheme ?? schemeOf(app.themeParams ?? {}) }),
    onThemeChanged: (handler) => app.onEvent?.('themeChanged', handler),
    confirm: (message) => new Promise((resolve) => app.showConfirm(message, (ok) => resolve(ok))),
    ready() {
      app.ready?.();
      app.expand?.();
    },
  };
}

/** Launch parameters from the fragment, kept for the tab so a reload inside Telegram still has them. */
function launchParams(): URLSearchParams | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('tgWebAppData')) {
    sessionStorage.setItem(LAUNCH_KEY, fragment.toString());
    return fragment;
  }
  const kept = sessionStorage.getItem(LAUNCH_KEY);
  return kept ? new URLSearchParams(kept) : undefined;
}

function postEvent(eventType: string, eventData: unknown = {}): void {
  if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(eventType, JSON.stringify(eventData));
  else window.parent.postMessage(JSON.stringify({ eventType, eventData }), 'https://web.telegram.org');
}

function fromLaunchParams(params: URLSearchParams): Host {
  let theme: ThemeParams = {};
  try {
    theme = JSON.parse(params.get('tgWebAppThemeParams') ?? '{}') as ThemeParams;
  } catch {
    // A client without a theme: the page's own colours apply.
  }
  const listeners = new Map<string, Array<(data: Record<string, unknown>) => void>>();
  const receive = (name: string, data: unknown) =>
    listeners.get(name)?.forEach((listener) => listener((data ?? {}) as Record<string, unknown>));
  window.Telegram = { ...window.Telegram, WebView: { receiveEvent: receive } };
  window.addEventListener('message', (event) => {
    if (event.origin !== 'https://web.telegram.org' || typeof event.data !== 'string') return;
    try {
      const { eventType, eventData } = JSON.parse(event.data) as { eventType: string; eventData: unknown };
      receive(eventType, eventData);
    } catch {
      // Not a Telegram event.
    }
  });
  const on = (name: string, listener: (data: Record<string, unknown>) => void) =>
    listeners.set(name, [...(listeners.get(name) ?? []), listener]);
  on('theme_changed', (data) => {
    theme = (data.theme_params as ThemeParams | undefined) ?? theme;
  });

  return {
    kind: 'telegram',
    initData: params.get('tgWebAppData') ?? undefined,
    startParam: params.get('tgWebAppStartParam') ?? new URLSearchParams(location.search).get('tgWebAppStartParam') ?? undefined,
    theme: () => ({ params: theme, scheme: schemeOf(theme) }),
    onThemeChanged: (handler) => on('theme_changed', () => handler()),
    confirm(message) {
      return new Promise((resolve) => {
        const done = (data: Record<string, unknown>) => {
          listeners.set(
            'popup_closed',
            (listeners.get('popup_closed') ?? []).filter((l) => l !== done),
          );
          resolve(data.button_id === 'ok');
        };
        on('popup_closed', done);
        postEvent('web_app_open_popup', {
          message,
          buttons: [
            { id: 'ok', type: 'ok' },
            { id: 'cancel', type: 'cancel' },
          ],
        });
      });
    },
    ready() {
      postEvent('web_app_ready');
      postEvent('web_app_expand');
    },
  };
}

function browserHost(): Host {
  const media = matchMedia('(prefers-color-scheme: dark)');
  return {
    kind: 'browser',
    initData: undefined,
    startParam: new URLSearchParams(location.search).get('startapp') ?? undefined,
    theme: () => ({ params: {}, scheme: media.matches ? 'dark' : 'light' }),
    onThemeChanged: (handler) => media.addEventListener('change', handler),
    confirm: async (message) => window.confirm(message),
    ready: () => undefined,
  };
}

/** The host the page runs in, decided once at boot. */
export function detectHost(): Host {
  const app = window.Telegram?.WebApp;
  if (app && app.initData) return fromWebApp(app);
  const params = launchParams();
  return params ? fromLaunchParams(params) : browserHost();
}
