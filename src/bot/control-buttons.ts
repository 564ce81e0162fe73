/**
 * The agent card's trading controls (Force exit, Pause, Resume) and their callback data, acted on
 * by src/bot/features/agent-controls.ts. Data is `ctl:<action>:<agent id>[:<trade>]`, at most 64
 * bytes (Telegram's limit): a force exit's confirmation carries the first 12 hex digits of the
 * trade it was asked for, so a later tap never closes a position the owner was not shown.
 */
import { InlineKeyboard } from 'grammy';
import type { InlineKeyboardButton } from 'grammy/types';
import type { AgentView } from '../hub/agents/agent-view.js';
import { isActive } from './format.js';

/** f force exit? · y yes, force exit · n cancel · p pause · u resume (un-pause). */
export const CONTROL_CALLBACK = /^ctl:([fynpu]):([0-9a-f-]{36})(?::([0-9a-f]{12}))?$/;

/** What a confirmation names of trade `tradeId`: its first 12 hex digits. */
export function tradeTag(tradeId: string): string {
  return tradeId.replaceAll('-', '').slice(0, 12).toLowerCase();
}

export const controlData = {
  askForceExit: (agentId: string) => `ctl:f:${agentId}`,
  forceExit: (agentId: string, tradeId: string) => `ctl:y:${agentId}:${tradeTag(tradeId)}`,
  cancel: (agentId: string) => `ctl:n:${agentId}`,
  pause: (agentId: string) => `ctl:p:${agentId}`,
  resume: (agentId: string) => `ctl:u:${agentId}`,
};

/**
 * The card's controls for `a`: Force exit while it runs with a position (a stopped one has Close
 * position now), Pause while it runs unpaused, Resume while paused. None for a stopped, unpaused agent.
 */
export function controlButtons(a: AgentView): InlineKeyboardButton[] {
  const buttons: InlineKeyboardButton[] = [];
  if (isActive(a) && a.position) buttons.push(InlineKeyboard.text('🚪 Force exit', controlData.askForceExit(a.id)));
  if (a.paused) buttons.push(InlineKeyboard.text('▶️ Resume entries', controlData.resume(a.id)));
  else if (isActive(a)) buttons.push(InlineKeyboard.text('⏯ Pause entries', controlData.pause(a.id)));
  return buttons;
}
