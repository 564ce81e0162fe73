/** An agent's record status as a coloured badge, with its paper/live mode and pause. */
import { S } from '../strings.js';

export function StatusBadge({ status, paused, mode }: { status: string; paused: boolean; mode: string }) {
  return (
    <span class="badges">
      <span class={`badge status-${status}`} data-status={status}>
        {S.status[status] ?? status}
      </span>
      {paused && <span class="badge status-paused">{S.common.paused}</span>}
      <span class={`badge mode-${mode}`}>{mode === 'live' ? S.common.live : S.common.paper}</span>
    </span>
  );
}
