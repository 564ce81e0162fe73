/**
 * /info <symbol>: a token's CoinMarketCap card (name, rank, price, market cap, supplies, 24 h
 * change, links). The hub (src/hub/info) resolves the ticker, the key and the day-long cache;
 * its typed errors (not configured, key refused, rate limit, not found, bad input) reach the
 * chat through the bot's HubError boundary with their own words.
 */
import { Composer } from 'grammy';
import type { TokenInfo, TokenInfoAnswer } from '../../hub/info/token-info.js';
import type { BotContext } from '../context.js';
import { escapeHtml, fmtNumber } from '../format.js';
import type { BotServices } from '../services.js';

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });

/** `$1.29T`, `$31B`; em dash when unknown. */
function usdCompact(n: number | null): string {
  return n === null ? '—' : `$${compact.format(n)}`;
}

function supply(n: number | null): string {
  return n === null ? '—' : compact.format(n);
}

/** `+2.50%` / `−1.25%`. */
function pctChange(n: number | null): string {
  if (n === null) return '—';
  const abs = Math.abs(n).toFixed(2);
  return n > 0 ? `+${abs}%` : n < 0 ? `−${abs}%` : `${abs}%`;
}

/** An HTML link; the URL was checked to be http(s) by the hub, and is escaped for the attribute. */
function link(label: string, url: string | null): string | undefined {
  return url ? `<a href="${escapeHtml(url).replace(/"/g, '&quot;')}">${label}</a>` : undefined;
}

function linksLine(links: TokenInfo['links']): string | undefined {
  const parts = [
    link('Website', links.website),
    link('Explorer', links.explorer),
    link('Source code', links.sourceCode),
    link('Twitter', links.twitter),
  ].filter((p): p is string => p !== undefined);
  return parts.length ? `🔗 ${parts.join(' · ')}` : undefined;
}

/** `2026-12-03 12:00 UTC`. */
function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The /info card, in Telegram HTML. */
export function tokenInfoText({ info, fetchedAt, cached, stale }: TokenInfoAnswer): string {
  const rank = info.rank === null ? 'unranked' : `rank #${info.rank}`;
  const lines = [
    `🪙 <b>${escapeHtml(info.name)}</b> (${escapeHtml(info.symbol)}) · ${rank}`,
    `Price: ${info.priceUsd === null ? '—' : `$${fmtNumber(info.priceUsd)}`} · 24h ${pctChange(info.percentChange24h)}`,
    `Market cap: ${usdCompact(info.marketCapUsd)} · Volume 24h: ${usdCompact(info.volume24hUsd)}`,
    `Supply: circulating ${supply(info.circulatingSupply)} · total ${supply(info.totalSupply)} · max ${info.maxSupply === null ? 'none' : supply(info.maxSupply)}`,
  ];
  if (info.category) lines.push(`Category: ${escapeHtml(info.category)}`);
  const links = linksLine(info.links);
  if (links) lines.push(links);
  if (info.otherListings > 0)
    lines.push(
      `ℹ️ ${info.otherListings} other token${info.otherListings === 1 ? '' : 's'} on CoinMarketCap also use${info.otherListings === 1 ? 's' : ''} the ticker ${escapeHtml(info.symbol)}; this is the highest-ranked active one.`,
    );
  const when = stale
    ? `as of ${utcMinute(fetchedAt)} (CoinMarketCap could not be reached for a fresher answer)`
    : `as of ${utcMinute(fetchedAt)}${cached ? ' (cached, refreshed daily)' : ''}`;
  lines.push(`<i>CoinMarketCap · ${when}</i>`);
  return lines.join('\n');
}

export function createInfoFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('info', async (ctx) => {
    const answer = await services.hub.info.lookup(ctx.trader!.id, ctx.match);
    await ctx.reply(tokenInfoText(answer), { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  });
  return composer;
}
