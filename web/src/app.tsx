/**
 * The dashboard: sign in first (src/session.ts) and show only the gate until the user is an
 * active one; then the pages with a tab bar, one API client and one live stream for all of them.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, type ApiError } from './api.js';
import { Ctx } from './context.js';
import { connectLive } from './live.js';
import { AgentPage } from './pages/agent.js';
import { AgentsPage } from './pages/agents.js';
import { BacktestPage } from './pages/backtest.js';
import { BacktestsPage } from './pages/backtests.js';
import { GatePage, type GateView } from './pages/gate.js';
import { NewAgentPage } from './pages/new-agent.js';
import { ProfitPage } from './pages/profit.js';
import { forgetSession, gateOf, signIn, type Gate } from './session.js';
import { initialRoute, navigate, useRoute, type Route } from './router.js';
import { S } from './strings.js';
import type { Host } from './telegram.js';

type Ready = Extract<Gate, { kind: 'ready' }>;

/** The tab a page belongs to. */
const parentOf: Partial<Record<Route['page'], Route['page']>> = { agent: 'agents', backtest: 'backtests' };

function Tabs({ route }: { route: Route }) {
  const tab = (target: Route, label: string) => (
    <a
      href={`/app/${target.page === 'agents' ? '' : target.page}`}
      class={route.page === target.page || parentOf[route.page] === target.page ? 'tab active' : 'tab'}
      onClick={(e) => (e.preventDefault(), navigate(target))}
      data-tab={target.page}
    >
      {label}
    </a>
  );
  return (
    <nav class="tabs">
      {tab({ page: 'agents' }, S.nav.agents)}
      {tab({ page: 'new' }, S.nav.newAgent)}
      {tab({ page: 'profit' }, S.nav.profit)}
      {tab({ page: 'backtests' }, S.nav.backtests)}
    </nav>
  );
}

function Dashboard({ host, session, onEnd }: { host: Host; session: Ready; onEnd(gate: GateView): void }) {
  const context = useMemo(() => {
    const end = (error: ApiError) => {
      forgetSession();
      onEnd(error.status === 401 ? { kind: 'expired' } : (gateOf(error) as GateView));
    };
    const api = createApi(session.token, end);
    // A stream closed for the account (4403) or the token (4401): ask the API which, it ends the session.
    const live = connectLive(session.token, () => void api.get('/me').catch(() => undefined));
    return { api, live, host, user: session.user };
  }, [session.token]);
  useEffect(() => () => context.live.close(), [context]);
  const route = useRoute(initialRoute(host.startParam));

  return (
    <Ctx.Provider value={context}>
      <Tabs route={route} />
      <main>
        {route.page === 'agents' && <AgentsPage />}
        {route.page === 'agent' && <AgentPage id={route.id} key={route.id} />}
        {route.page === 'new' && <NewAgentPage />}
        {route.page === 'profit' && <ProfitPage />}
        {route.page === 'backtests' && <BacktestsPage />}
        {route.page === 'backtest' && <BacktestPage id={route.id} key={route.id} />}
      </main>
    </Ctx.Provider>
  );
}

export function App({ host }: { host: Host }) {
  const [gate, setGate] = useState<Gate | GateView>({ kind: 'checking' });
  useEffect(() => {
    signIn(host).then(setGate, (error: unknown) => setGate({ kind: 'failed', message: (error as Error).message }));
  }, [host]);
  if (gate.kind !== 'ready') return <GatePage gate={gate} />;
  return <Dashboard host={host} session={gate} onEnd={setGate} />;
}
