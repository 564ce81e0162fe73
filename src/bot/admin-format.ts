/** The text of `/admin`: the operator's readings (src/hub/ops/readings.ts) in Telegram HTML. */
import type { OpsSnapshot } from '../hub/ops/readings.js';
import { escapeHtml, fmtDuration } from './format.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** `2 running · 1 failed`: the statuses with a count, in their given order; `none` when all are 0. */
function counts(byStatus: Record<string, number>): string {
  const parts = Object.entries(byStatus)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  return parts.length ? parts.join(' · ') : 'none';
}

const PROVIDER_LABEL: Record<string, string> = { twelvedata: 'Twelve Data', hashkey: 'HashKey public', simulated: 'simulated' };

function marketLine(s: OpsSnapshot): string {
  const name = PROVIDER_LABEL[s.market.provider] ?? s.market.provider;
  const { credits } = s.market;
  return credits
    ? `📈 Market: ${name}, ${credits.left} of ${credits.budget} credits left today`
    : `📈 Market: ${name} (no daily credit budget)`;
}

function chainLine(s: OpsSnapshot): string {
  if (!s.chain.enabled) return `⛓ Chain: off · outbox ${s.queues.chainOutbox} waiting`;
  const { balance } = s.chain;
  const hsk = balance ? `${(Number(balance.wei / 1_000_000_000n) / 1e9).toFixed(4)} HSK` : 'balance unknown (node unreachable)';
  const lag = s.chain.lagSeconds > 0 ? fmtDuration(s.chain.lagSeconds * 1000) : 'none';
  return `⛓ Chain: signer ${hsk} · outbox lag ${lag}`;
}

function crashLine(s: OpsSnapshot): string {
  const crash = s.lastCrash;
  if (!crash) return '💥 Last crash: none since the hub started';
  const when = new Date(crash.at).toISOString().slice(0, 16).replace('T', ' ');
  return `💥 Last crash: <b>${escapeHtml(crash.agentName)}</b> <code>${crash.agentId.slice(0, 8)}</code>, ${when} UTC (${fmtDuration(s.at - crash.at)} ago): ${escapeHtml(crash.reason.slice(0, 300))}`;
}

export function formatAdminView(s: OpsSnapshot): string {
  const { host, queues } = s;
  const used = (host.memTotalBytes - host.memFreeBytes) / GIB;
  const backtests = `${queues.backtests.waiting} waiting, ${queues.backtests.running} running`;
  return [
    `🛠 <b>Operator view</b> · ${new Date(s.at).toISOString().slice(11, 19)} UTC`,
    '',
    `👥 Users: ${counts(s.users)}`,
    `🤖 Agents: ${counts(s.agents)}`,
    `🖥 Host: load ${host.load.map((l) => l.toFixed(2)).join(' / ')} on ${host.cpus} cores · memory ${used.toFixed(1)} of ${(host.memTotalBytes / GIB).toFixed(1)} GiB used · hub ${Math.round(host.rssBytes / MIB)} MB`,
    `📬 Queues: outbound ${queues.outbound ?? '— (no bot)'} · chain outbox ${queues.chainOutbox} · backtests ${backtests}`,
    marketLine(s),
    chainLine(s),
    crashLine(s),
  ].join('\n');
}
