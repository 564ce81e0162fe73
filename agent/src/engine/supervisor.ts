/**
 * The supervisor: every `supervisorIntervalSeconds` while in a position, the hub LLM is asked
 * whether to KEEP, CLOSE or ADJUST_TP_SL (dynamic mode only). A malformed answer, an unknown
 * action, or ADJUST_TP_SL in fixed mode becomes KEEP, flagged so the engine logs it.
 */
import type { AgentConfigWire, LlmMessage, PositionWire } from '../../../src/shared/wire.js';
import { fmtNum, fmtPrice, fmtUsd } from './format.js';
import { extractJsonObject } from './llm-json.js';
import type { TpSlLevels } from './position-math.js';

export type SupervisorAction = 'KEEP' | 'CLOSE' | 'ADJUST_TP_SL';

export interface SupervisorVerdict {
  action: SupervisorAction;
  reasoning: string;
  /** 0..1; 0.5 when the answer gave none. */
  confidence: number;
  /** Why the answer was turned into KEEP, or null when it was taken as given. */
  overridden: string | null;
}

/** JSON schema sent with the supervisor request (OpenAI strict-mode compatible). */
export const SUPERVISOR_JSON_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    action: { type: 'string', enum: ['KEEP', 'CLOSE', 'ADJUST_TP_SL'] },
    reasoning: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['action', 'reasoning', 'confidence'],
  additionalProperties: false,
};

export function parseSupervisorAnswer(content: string, tpSlMode: AgentConfigWire['tpSlMode']): SupervisorVerdict {
  const obj = extractJsonObject(content);
  const keep = (overridden: string, reasoning = ''): SupervisorVerdict => ({ action: 'KEEP', reasoning, confidence: 0.5, overridden });
  if (!obj) return keep(`malformed answer "${snippet(content)}"`);
  const reasoning = typeof obj.reasoning === 'string' ? obj.reasoning.trim() : '';
  const action = typeof obj.action === 'string' ? obj.action.trim().toUpperCase() : '';
  if (action !== 'KEEP' && action !== 'CLOSE' && action !== 'ADJUST_TP_SL') {
    return keep(`malformed answer: action "${snippet(String(obj.action ?? 'missing'))}"`, reasoning);
  }
  if (action === 'ADJUST_TP_SL' && tpSlMode !== 'dynamic') return keep('ADJUST_TP_SL needs dynamic TP/SL', reasoning);
  const c = obj.confidence;
  const confidence = typeof c === 'number' && Number.isFinite(c) && c >= 0 && c <= 1 ? c : 0.5;
  return { action, reasoning, confidence, overridden: null };
}

export function supervisorMessages(input: {
  config: AgentConfigWire;
  position: PositionWire;
  price: number;
  unrealizedPnl: number;
  strategy: string;
  levels: TpSlLevels;
}): LlmMessage[] {
  const { config, position, price, unrealizedPnl, strategy, levels } = input;
  const movePct = ((price - position.entryPrice) / position.entryPrice) * 100 * (position.side === 'long' ? 1 : -1);
  const lvl = (x: number | null) => (x == null ? 'none' : fmtPrice(x));
  return [
    { role: 'system', content: 'You are a trading supervisor. Return valid JSON only.' },
    {
      role: 'user',
      content:
        `Position: ${config.symbol} ${position.side} ${position.qty} @ ${fmtPrice(position.entryPrice)} (${config.leverage}x), ` +
        `current ${fmtPrice(price)}, PnL ${fmtUsd(unrealizedPnl)} USDT (${fmtNum(movePct, 2)}% price move in our favour). ` +
        `Strategy: ${strategy}. TP ${lvl(levels.tpPrice)}, SL ${lvl(levels.slPrice)}, TP/SL mode: ${config.tpSlMode}.\n` +
        `Return JSON only: {"action": "KEEP"|"CLOSE"|"ADJUST_TP_SL", "reasoning": "...", "confidence": 0..1}\n` +
        `KEEP = position fine. CLOSE = close now. ADJUST_TP_SL = recompute TP/SL from volatility (only in dynamic mode).`,
    },
  ];
}

function snippet(s: string, max = 80): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}
