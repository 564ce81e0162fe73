/**
 * The inline buttons under alerts (the alert router asks for them per event; the outbound queue
 * keeps them through merges). Trade alerts get 📈 Chart and 🤔 Why?. Each feature that answers a button
 * defines its callback data; this file only picks which alerts carry which buttons.
 */
import type { AlertButton, AlertEvent } from '../hub/alerts/alert-router.js';
import { chartButton } from './features/charts.js';
import { whyAlertButton } from './features/trade-why.js';

export function alertButtons(event: AlertEvent): AlertButton[] {
  switch (event.name) {
    case 'trade.opened':
      return [chartButton(event.data.agentId, event.data.agentName), whyAlertButton(event.data, 'open')];
    case 'trade.closed':
      return [chartButton(event.data.agentId, event.data.agentName), whyAlertButton(event.data, 'close')];
    default:
      return [];
  }
}
