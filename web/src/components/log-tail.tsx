/**
 * The agent's log, newest at the bottom: the latest lines at the chosen level from the API, then
 * `agent.log` messages as they come (at most MAX_LINES kept). Changing the level reloads.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LogsPage, WsAgentLogMessage } from '../../../src/shared/wire.js';
import { LOG_LEVELS, type LogEntryWire, type WireLogLevel } from '../../../src/shared/contract/status.js';
import { useApp, useLive, useLoad } from '../context.js';
import { time } from '../format.js';
import { S } from '../strings.js';

const MAX_LINES = 300;
const rank = (level: WireLogLevel) => LOG_LEVELS.indexOf(level);

export function LogTail({ agentId }: { agentId: string }) {
  const { api } = useApp();
  const [level, setLevel] = useState<WireLogLevel>('info');
  const [lines, setLines] = useState<LogEntryWire[]>([]);
  const box = useRef<HTMLDivElement>(null);
  const loaded = useLoad(() => api.get<LogsPage>(`/agents/${agentId}/logs`, { level, limit: 100 }), [api, agentId, level]);
  useEffect(() => setLines(loaded.data?.entries ?? []), [loaded.data]);

  useLive(
    (message) => {
      if (message.type === 'reconnected') loaded.reload();
      if (message.type !== 'agent.log') return;
      const data = (message as WsAgentLogMessage).data;
      if (data.agentId !== agentId) return;
      const fresh = data.entries.filter((entry) => rank(entry.level) >= rank(level));
      if (fresh.length) setLines((old) => [...old, ...fresh].filter((e, i, all) => i === 0 || e.seq > all[i - 1]!.seq).slice(-MAX_LINES));
    },
    [agentId, level, loaded.reload],
  );

  useEffect(() => {
    const element = box.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [lines]);

  return (
    <section class="card" data-section="logs">
      <div class="card-head">
        <h2>{S.logs.title}</h2>
        <label class="inline">
          <span class="sr-only">{S.logs.level}</span>
          <select value={level} onChange={(e) => setLevel(e.currentTarget.value as WireLogLevel)} data-control="log-level">
            {LOG_LEVELS.map((l) => (
              <option key={l} value={l}>
                {S.logs.levels[l]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="log" ref={box}>
        {loaded.error && <p class="error">{S.common.error(loaded.error)}</p>}
        {lines.length === 0 && !loaded.error && <p class="muted">{S.logs.empty}</p>}
        {lines.map((line) => (
          <div key={line.seq} class={`log-line level-${line.level}`}>
            <span class="log-time">{time(line.ts)}</span> <span class="log-level">{line.level}</span> {line.message}
          </div>
        ))}
      </div>
    </section>
  );
}
