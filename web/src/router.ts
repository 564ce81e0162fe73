/**
 * In-app addresses under `/app` (the hub answers every one of them with index.html):
 * `/app/` agents · `/app/agents/<id>` one agent · `/app/new` new agent · `/app/profit` profit ·
 * `/app/backtests` backtests · `/app/backtests/<id>` one backtest's result.
 * A Telegram direct link's `startapp=agent-<id>` (or `?agent=<id>`) opens that agent.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'agents' }
  | { page: 'agent'; id: string }
  | { page: 'new' }
  | { page: 'profit' }
  | { page: 'backtests' }
  | { page: 'backtest'; id: string };

const BASE = '/app';
const AGENT_PARAM = /^agent-([0-9a-f-]{36})$/i;

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split('/').filter(Boolean);
  if (parts[0] === 'agents' && parts[1]) return { page: 'agent', id: parts[1] };
  if (parts[0] === 'new') return { page: 'new' };
  if (parts[0] === 'profit') return { page: 'profit' };
  if (parts[0] === 'backtests') return parts[1] ? { page: 'backtest', id: parts[1] } : { page: 'backtests' };
  return { page: 'agents' };
}

export function pathOf(route: Route): string {
  switch (route.page) {
    case 'agent':
      return `${BASE}/agents/${route.id}`;
    case 'new':
      return `${BASE}/new`;
    case 'profit':
      return `${BASE}/profit`;
    case 'backtests':
      return `${BASE}/backtests`;
    case 'backtest':
      return `${BASE}/backtests/${route.id}`;
    default:
      return `${BASE}/`;
  }
}

/** The route to open first: a deep link's agent, else what the address says. */
export function initialRoute(startParam: string | undefined): Route {
  const fromQuery = new URLSearchParams(location.search).get('agent');
  const match = AGENT_PARAM.exec(startParam ?? '') ?? (fromQuery ? AGENT_PARAM.exec(`agent-${fromQuery}`) : null);
  return match ? { page: 'agent', id: match[1]!.toLowerCase() } : parseRoute(location.pathname);
}

const listeners = new Set<(route: Route) => void>();

/** Goes to `route` (a new history entry, so Back returns). The fragment (Telegram's launch data) stays. */
export function navigate(route: Route, replace = false): void {
  const path = pathOf(route) + location.hash;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  listeners.forEach((listener) => listener(route));
}

/** The current route, following navigation and the browser's Back. */
export function useRoute(start: Route): Route {
  const [route, setRoute] = useState(start);
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname));
    listeners.add(setRoute);
    window.addEventListener('popstate', onPop);
    return () => {
      listeners.delete(setRoute);
      window.removeEventListener('popstate', onPop);
    };
  }, []);
  return route;
}
