/** The dashboard's entry: find the host (Telegram or a browser), apply its theme, render. */
import { render } from 'preact';
import { App } from './app.js';
import './styles.css';
import { detectHost } from './telegram.js';
import { applyTheme } from './theme.js';

const host = detectHost();
applyTheme(host);
host.onThemeChanged(() => applyTheme(host));
host.ready();
render(<App host={host} />, document.getElementById('app')!);
