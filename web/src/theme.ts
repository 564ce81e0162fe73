/**
 * Telegram's theme as CSS variables: every `themeParams` colour becomes `--tg-<name>` on the
 * root element (`bg_color` → `--tg-bg-color`), and `data-scheme` says light or dark, so
 * styles.css has one set of rules with fallbacks for a plain browser. Charts read the same
 * variables (`cssColor`).
 */
import type { Host } from './telegram.js';

const COLOUR = /^#[0-9a-f]{3,8}$/i;

export function applyTheme(host: Host): void {
  const { params, scheme } = host.theme();
  const root = document.documentElement;
  for (const [name, value] of Object.entries(params)) {
    if (value && COLOUR.test(value)) root.style.setProperty(`--tg-${name.replace(/_/g, '-')}`, value);
  }
  root.dataset.scheme = scheme;
  root.style.colorScheme = scheme;
}

/** The current value of a CSS colour variable of the theme (as the page resolved it). */
export function cssColor(variable: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(variable).trim();
}
