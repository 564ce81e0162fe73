/**
 * The supervisor step: every `supervisorIntervalSeconds` while in a position, the hub LLM is asked
 * whether to KEEP, CLOSE or ADJUST_TP_SL, with the supervisor prompt, schema and validator
 * (`src/engine/llm/supervisor-prompt.ts`). This module adapts the engine's state to that contract,
 * turns a rejected answer (malformed JSON, unknown action, ADJUST_TP_SL in fixed mode or without a
 * level, a level on the wrong side of the price) into KEEP, flagged so the engine logs why, and
 * acts on the verdict (`superviseOnce`). An unreachable supervisor keeps the position, logged
 * once per episode.
 */
import type { Candle } from '../shared/market.js';
import { adx, atr } from './strategies/index.js';
import { summarizeCandles } from './llm/prompt-format.js';
import { SUPERVISOR_SCHEMA, parseSupervisorAnswer, supervisorMessages, type SupervisorAction } from './llm/supervisor-prompt.js';
import type { AgentConfigWire, LlmRequest, LlmResponse, PositionWire } from '../shared/wire.js';
import { AgentStoppingError, errorMessage } from './ports.js';
import { fmtLevel } from './format.js';
import { llmUsage } from './planner.js';
import type { TpSlLevels } from './position-math.js';
import { closePosition } from './position-orders.js';
import { unrealized, type EngineSession } from './session.js';
import { currentSignal } from './signal-decision.js';

export interface SupervisorVerdict {
  action: SupervisorAction;
  reasoning: string;
  /** 0..1; 0.5 when the answer gave none. */
  confidence: number;
  /**
   * The levels after an ADJUST_TP_SL: the answer's prices, a level it left null kept as it was.
   * Null for other actions.
   */
  levels: TpSlLevels | null;
  /** Why the answer was refused and turned into KEEP, or null when it was taken as given. */
  rejected: string | null;
}

export interface SupervisorInput {
  config: AgentConfigWire;
  position: PositionWire;
  /** Current price, quote currency. */
  price: number;
  /** USDT at `price`. */
  unrealizedPnl: number;
  /** USDT realised so far in the session. */
  realizedPnl: number;
  strategy: string;
  /** The strategy's latest signal, when there is one. */
  signal?: { value: number; reason: string };
  candles: readonly Candle[];
  /** The levels the engine currently enforces. */
  levels: TpSlLevels;
}

/** The LLM request of one supervisor check. */
export function supervisorRequest(input: SupervisorInput): LlmRequest {
  const { config, position, price, candles } = input;
  const last = candles[candles.length - 1];
  const atr14 = atr(candles, 14);
  const messages = supervisorMessages({
    symbol: config.symbol,
    timeframe: config.timeframe,
    tpSlMode: config.tpSlMode,
    price,
    position: {
      side: position.side,
      qty: position.qty,
      entryPrice: position.entryPrice,
      leverage: position.leverage,
      tpPrice: input.levels.tpPrice,
      slPrice: input.levels.slPrice,
      liquidationPrice: position.liquidationPrice,
      openedAt: position.openedAt,
    },
    unrealizedPnl: input.unrealizedPnl,
    realizedPnl: input.realizedPnl,
    strategy: input.strategy,
    ...(input.signal ? { signal: input.signal } : {}),
    candles: summarizeCandles(candles),
    indicators: {
      atr14: atr14 ?? null,
      atr14Pct: atr14 !== undefined && last ? (atr14 / last.close) * 100 : null,
      adx14: adx(candles, 14) ?? null,
    },
  });
  return { purpose: 'supervisor', messages, jsonSchema: SUPERVISOR_SCHEMA, maxTokens: 300 };
}

/** Reads an answer under the shared contract; a refused answer becomes KEEP with `rejected` set. */
export function readSupervisorAnswer(
  content: string,
  input: Pick<SupervisorInput, 'config' | 'position' | 'price' | 'levels'>,
): SupervisorVerdict {
  const answer = parseSupervisorAnswer(content, {
    price: input.price,
    tpSlMode: input.config.tpSlMode,
    side: input.position.side,
    liquidationPrice: input.position.liquidationPrice,
  });
  if (!answer.ok) return { action: 'KEEP', reasoning: '', confidence: 0.5, levels: null, rejected: answer.reason };
  const d = answer.decision;
  const levels =
    d.action === 'ADJUST_TP_SL' ? { tpPrice: d.tpPrice ?? input.levels.tpPrice, slPrice: d.slPrice ?? input.levels.slPrice } : null;
  return { action: d.action, reasoning: d.reasoning, confidence: d.confidence, levels, rejected: null };
}

/** True when the agent has an LLM and `supervisorIntervalSeconds` have passed since the last check. */
export function supervisorDue(s: EngineSession): boolean {
  return s.config.llmProvider !== null && s.clock.now() - s.lastSupervisorAt >= s.config.supervisorIntervalSeconds * 1000;
}

/** One supervisor check of the open position `pos` at price `at`; true when it closed the position. */
export async function superviseOnce(s: EngineSession, pos: PositionWire, at: number): Promise<boolean> {
  const { plan, log } = s;
  s.lastSupervisorAt = s.clock.now();
  const sig = plan ? currentSignal(s, plan) : null;
  const input: SupervisorInput = {
    config: s.config,
    position: pos,
    price: at,
    unrealizedPnl: unrealized(s),
    realizedPnl: s.realizedPnl,
    strategy: plan?.strategy ?? 'unknown',
    ...(sig ? { signal: { value: sig.signal, reason: sig.reason } } : {}),
    candles: s.feed.candles,
    levels: s.levels,
  };
  let answer: LlmResponse;
  try {
    answer = await s.hub.llm(supervisorRequest(input), s.hard.signal);
    s.episodes.exit('supervisor', () => log.info('supervisor available again'));
  } catch (err) {
    if (err instanceof AgentStoppingError) throw err;
    s.episodes.enter('supervisor', () => log.warn(`supervisor unavailable (${errorMessage(err)}); keeping the position`));
    return false;
  }
  const verdict = readSupervisorAnswer(typeof answer.content === 'string' ? answer.content : '', input);
  if (verdict.levels) {
    s.levels = verdict.levels;
    s.position = { ...pos, ...verdict.levels };
  }
  if (verdict.rejected) log.warn(`supervisor: KEEP (answer rejected: ${verdict.rejected})`);
  else {
    const extra = verdict.levels ? ` (TP ${fmtLevel(verdict.levels.tpPrice)}, SL ${fmtLevel(verdict.levels.slPrice)})` : '';
    log.info(`supervisor: ${verdict.action}${extra}${verdict.reasoning ? ` — ${verdict.reasoning}` : ''}`);
  }
  s.hub.pushDecision({
    idempotencyKey: s.newKey(),
    action: verdict.action,
    strategy: plan?.strategy ?? null,
    confidence: verdict.confidence,
    reasoning: verdict.rejected ? `kept: answer rejected: ${verdict.rejected}` : verdict.reasoning,
    ...(verdict.levels ?? {}),
    source: 'llm',
    llm: llmUsage(answer),
  });
  if (verdict.action === 'CLOSE') return closePosition(s, `supervisor: ${verdict.reasoning || 'close'}`, s.hard.signal);
  return false;
}
