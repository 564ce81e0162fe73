/**
 * The kinds of alert a trader can tune with /alerts. Several hub events map onto one kind (a
 * crash and a failed start are both `agent.crash`); a closed trade whose reason is `tp`/`sl`
 * is its own kind so TP/SL hits can stay loud while ordinary closes go silent, and so is a close
 * by `liquidation` (`liquidated`). `trade.onchain` is the follow-up with the explorer link once a
 * trade is logged on HashKey Chain (silent by default).
 */
import { ALERT_MODES, type AlertMode } from '../../db/entities/alert.js';

export { ALERT_MODES, type AlertMode };

export const ALERT_TYPES = [
  'trade.opened',
  'trade.closed',
  'trade.tp_sl',
  'trade.onchain',
  'decision',
  'drawdown',
  'agent.crash',
  'agent.restart',
  'order.error',
  'llm.budget',
  'liquidated',
] as const;

export type AlertType = (typeof ALERT_TYPES)[number];

export interface AlertTypeInfo {
  /** Short label for the /alerts screen. */
  label: string;
  /** Plural noun for merged-burst summaries ("+5 more fills"). */
  noun: [singular: string, plural: string];
  /** Mode when the trader never chose one. */
  defaultMode: AlertMode;
  /** False when the alert may be silenced but never turned off. */
  canTurnOff: boolean;
}

export const ALERT_TYPE_INFO: Record<AlertType, AlertTypeInfo> = {
  'trade.opened': { label: 'Trade opened', noun: ['fill', 'fills'], defaultMode: 'on', canTurnOff: true },
  'trade.closed': { label: 'Trade closed', noun: ['close', 'closes'], defaultMode: 'on', canTurnOff: true },
  'trade.tp_sl': { label: 'TP / SL hit', noun: ['TP/SL hit', 'TP/SL hits'], defaultMode: 'on', canTurnOff: true },
  'trade.onchain': { label: 'On-chain log', noun: ['on-chain log', 'on-chain logs'], defaultMode: 'silent', canTurnOff: true },
  decision: { label: 'Supervisor decision', noun: ['decision', 'decisions'], defaultMode: 'silent', canTurnOff: true },
  drawdown: { label: 'Drawdown stop', noun: ['drawdown stop', 'drawdown stops'], defaultMode: 'on', canTurnOff: true },
  'agent.crash': { label: 'Crash / failure', noun: ['crash', 'crashes'], defaultMode: 'on', canTurnOff: false },
  'agent.restart': { label: 'Restart', noun: ['restart', 'restarts'], defaultMode: 'on', canTurnOff: true },
  'order.error': { label: 'Order error', noun: ['order error', 'order errors'], defaultMode: 'on', canTurnOff: true },
  'llm.budget': { label: 'LLM budget spent', noun: ['budget notice', 'budget notices'], defaultMode: 'on', canTurnOff: true },
  liquidated: { label: 'Liquidation', noun: ['liquidation', 'liquidations'], defaultMode: 'on', canTurnOff: true },
};

export function isAlertType(value: string): value is AlertType {
  return (ALERT_TYPES as readonly string[]).includes(value);
}

/** The close-reason rules live with the other close kinds (/stats); alerts use these two. */
export { isLiquidation, tpSlKind } from '../analytics/close-reasons.js';
