/** What every page uses: the API client, the live stream, the host (Telegram or browser), the user. */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiUser, WsMessage } from '../../src/shared/wire.js';
import type { Api } from './api.js';
import type { Live } from './live.js';
import type { Host } from './telegram.js';

export interface AppContext {
  api: Api;
  live: Live;
  host: Host;
  user: ApiUser;
}

export const Ctx = createContext<AppContext | undefined>(undefined);

export function useApp(): AppContext {
  const app = useContext(Ctx);
  if (!app) throw new Error('useApp outside the dashboard');
  return app;
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  /** Loads again (keeps showing the previous data meanwhile). */
  reload(): void;
}

/** Loads `fetcher()` now and whenever `deps` change; a late answer of an older load is dropped. */
export function useLoad<T>(fetcher: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const generation = useRef(0);
  const load = useCallback(() => {
    const mine = ++generation.current;
    fetcher().then(
      (data) => mine === generation.current && setState({ data }),
      (error: unknown) => mine === generation.current && setState((s) => ({ ...s, error: (error as Error).message })),
    );
  }, deps);
  useEffect(load, [load]);
  return { data: state.data, error: state.error, reload: load };
}

/** Calls `listener` with every live message while the component is shown. */
export function useLive(listener: (message: WsMessage) => void, deps: unknown[]): void {
  const { live } = useApp();
  useEffect(() => live.subscribe(listener), [live, ...deps]);
}

/** The agent id a live message is about, if any. */
export function agentIdOf(message: WsMessage): string | undefined {
  return (message.data as { agentId?: string } | undefined)?.agentId;
}
