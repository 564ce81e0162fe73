/**
 * The inline buttons under alerts (the alert router asks for them per event; the outbound queue
 * keeps them through merges). Trade alerts get 📈 Chart. Each feature that answers a button
 * defines its callback data; this file only picks which alerts carry which buttons.
 */
import type { AlertButton, AlertEvent } from '../hub/alerts/alert-router.js';
import { chartButton } from './features/charts.js';

export function alertButtons(event: AlertEvent): AlertButton[] {
  switch (event.name) {
    case 'trade.opened':
    case 'trade.closed':
      return [chartButton(event.data.agentId, event.data.agentName)];
    default:
      return [];
  }
}
