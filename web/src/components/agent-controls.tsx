/**
 * Start / Stop / Force exit / Pause (Resume). Stop and Force exit ask first, through Telegram's
 * own confirmation dialog (`showConfirm`) inside Telegram. The hub's answer replaces the agent
 * shown, and its message (the chat's words) is shown under the buttons.
 */
import { useState } from 'preact/hooks';
import type { AgentDetail, ControlAction, ControlResponse } from '../../../src/shared/wire.js';
import { ApiError } from '../api.js';
import { useApp } from '../context.js';
import { S } from '../strings.js';

const STARTABLE = new Set(['created', 'stopped', 'failed']);
const STOPPABLE = new Set(['running', 'starting']);

export function AgentControls({ agent, onChanged }: { agent: AgentDetail; onChanged: (agent: AgentDetail) => void }) {
  const { api, host } = useApp();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ text: string; error: boolean } | undefined>(undefined);

  const act = async (action: ControlAction, body: object = {}, question?: string) => {
    if (question && !(await host.confirm(question))) return;
    setBusy(true);
    setNote(undefined);
    try {
      const answer = await api.post<ControlResponse>(`/agents/${agent.id}/${action}`, body);
      onChanged(answer.agent);
      setNote({ text: answer.message, error: false });
    } catch (error) {
      setNote({ text: error instanceof ApiError ? error.message : String(error), error: true });
    } finally {
      setBusy(false);
    }
  };

  const position = agent.position;
  return (
    <div class="controls">
      <div class="buttons">
        {STARTABLE.has(agent.status) && (
          <button class="primary" disabled={busy} data-action="start" onClick={() => void act('start')}>
            {S.controls.start}
          </button>
        )}
        {STOPPABLE.has(agent.status) && (
          <button
            class="danger"
            disabled={busy}
            data-action="stop"
            onClick={() => void act('stop', {}, S.controls.confirmStop(agent.name))}
          >
            {S.controls.stop}
          </button>
        )}
        {position && (
          <button
            class="danger"
            disabled={busy}
            data-action="force-exit"
            onClick={() => void act('force-exit', { tradeId: position.tradeId }, S.controls.confirmForceExit(agent.name))}
          >
            {S.controls.forceExit}
          </button>
        )}
        <button disabled={busy} data-action={agent.paused ? 'resume' : 'pause'} onClick={() => void act(agent.paused ? 'resume' : 'pause')}>
          {agent.paused ? S.controls.resume : S.controls.pause}
        </button>
      </div>
      {busy && <p class="muted">{S.controls.working}</p>}
      {note && (
        <p class={note.error ? 'error' : 'note'} data-note="control">
          {note.text}
        </p>
      )}
    </div>
  );
}
