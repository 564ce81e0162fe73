/**
 * A local stand-in for the agent-facing hub API (`src/shared/wire.ts`), for tests of the agent
 * and, if useful, of hub clients. node:http on 127.0.0.1, port 0.
 *
 * - Auth: `Authorization: Bearer <token>` must equal the token (401 otherwise) and `:id` in
 *   `/internal/agents/:id/*` must be the agent the token belongs to (403 otherwise).
 * - Pushes are recorded: statuses (older `seq` ignored, as the hub does), log entries (stored
 *   once per seq; every received seq is also kept, duplicates included, in `receivedLogSeqs`),
 *   decisions (once per `idempotencyKey`).
 * - Orders are paper fills at the current price: qty = amountUsdt × leverage / price, fees
 *   `feePct` % of the notional on each side, PnL = side × (exit − entry) × qty − close fee.
 *   A repeated `idempotencyKey` returns the stored result with `replayed: true` and never fills
 *   twice (`fills` holds executions only, the hub's liquidations included). Errors: 409 `position_open`, 409 `no_position`, 400 `bad_request`.
 * - Liquidation (with `mmr`): positions carry the liquidation price of src/shared/liquidation.ts;
 *   a close whose reason starts with `liquidation` fills at it; `liquidate()` is the hub closing
 *   the position itself (`forceExit()` too: at the price, for its owner). A close naming
 *   (`tradeId`) a trade closed already gets that close back (`replayed: true`), and a status
 *   push naming it is answered with `closedTradeId`.
 * - Market: `GET /internal/market/price` serves the scripted prices one per request (the last
 *   one stays), `GET /internal/market/candles` serves `setCandles(...)` or a deterministic
 *   series ending at the current price. Flags `stale` / `simulated` are settable, and the price
 *   endpoint can be turned off (404) like a hub that lacks it.
 * - LLM: scripted answers per purpose (`queueLlm`), with a valid default when none is queued.
 * - Failures: `failNext(route, n, mode)` with modes `500`, `503`, `429`, `400`, `hang` (no
 *   answer, nothing done), `execute-then-hang` (orders: filled, but no answer), `reset`;
 *   `down()` / `up()` close and reopen the listener on the same port (connection refused).
 *
 * Usage:
 *   const hub = await startFakeHub({ agentId: 'a1', token: 't' });
 *   ... hub.url, hub.logs, hub.fills, hub.scriptPrices([100, 101]), hub.failNext('logs', 3, '503')
 *   await hub.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Candle } from '../../src/shared/market.js';
import type {
  CandlesResponse,
  DecisionPush,
  LlmRequest,
  LlmResponse,
  LogEntryWire,
  OrderRequest,
  OrderResult,
  PositionWire,
  PriceResponse,
  StatusAck,
  StatusPush,
} from '../../src/shared/wire.js';
import { liquidationPrice } from '../../src/shared/liquidation.js';
import { WIRE_LIMITS } from '../../src/shared/wire.js';

export type FakeHubRoute = 'status' | 'logs' | 'orders' | 'decisions' | 'llm' | 'candles' | 'price';
export type FakeHubFailure = '500' | '503' | '429' | '400' | 'hang' | 'execute-then-hang' | 'reset';

export interface FakeHubOptions {
  agentId: string;
  token: string;
  /** Initial price, quote currency. Default 100. */
  price?: number;
  /** Leverage the broker applies to `amountUsdt`. Default 1. */
  leverage?: number;
  /** Fee per side, percent of notional. Default 0. */
  feePct?: number;
  symbol?: string;
  /** Maintenance margin rate (fraction): positions get a liquidation price. Default: none. */
  mmr?: number;
  /** Clock for `openedAt` (ms). Default `Date.now`. */
  now?: () => number;
}

export interface FakeHub {
  readonly url: string;
  readonly port: number;
  readonly statuses: StatusPush[];
  readonly logs: LogEntryWire[];
  readonly receivedLogSeqs: number[];
  readonly logPosts: number;
  /** Every order request received, retries included. */
  readonly orders: OrderRequest[];
  /** Every distinct execution. */
  readonly fills: OrderResult[];
  readonly decisions: DecisionPush[];
  readonly llmRequests: LlmRequest[];
  /** Every request that reached a handler: `METHOD /path` (no query). */
  readonly requests: string[];
  readonly position: PositionWire | null;
  readonly realizedPnl: number;
  /** The price fills use (the last one served). */
  readonly price: number;
  setPrice(price: number): void;
  /** Prices served one per price request; the last one stays. */
  scriptPrices(prices: number[]): void;
  setCandles(candles: Candle[] | null): void;
  setMarket(flags: { stale?: boolean; simulated?: boolean; priceEndpoint?: boolean; source?: string }): void;
  /** Sets the hub-side position (e.g. before a resume test). */
  setPosition(position: PositionWire | null, realizedPnl?: number): void;
  /** The hub liquidates the open position at its liquidation price; returns the close. */
  liquidate(): OrderResult;
  /** The hub closes the open position at the current price for its owner (reason `force exit`); returns the close. */
  forceExit(): OrderResult;
  queueLlm(purpose: LlmRequest['purpose'], ...contents: string[]): void;
  failNext(route: FakeHubRoute, count: number, mode: FakeHubFailure): void;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Polls `predicate` every 5 ms until true; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_PLAN = JSON.stringify({ strategy: 'momentum', lookback: 10, threshold: 0.3, reasoning: 'default fake plan' });
const DEFAULT_SUPERVISOR = JSON.stringify({ action: 'KEEP', reasoning: 'default fake verdict', confidence: 0.5 });

export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const leverage = opts.leverage ?? 1;
  const feePct = opts.feePct ?? 0;
  const symbol = opts.symbol ?? 'BTCUSDT';
  let price = opts.price ?? 100;
  let scripted: number[] = [];
  let candles: Candle[] | null = null;
  const market = { stale: false, simulated: false, priceEndpoint: true, source: 'fake' };
  let position: PositionWire | null = null;
  let realizedPnl = 0;
  let tradeNo = 0;
  let logPosts = 0;
  const statuses: StatusPush[] = [];
  const logs: LogEntryWire[] = [];
  const logSeqs = new Set<number>();
  const receivedLogSeqs: number[] = [];
  const orders: OrderRequest[] = [];
  const fills: OrderResult[] = [];
  const byKey = new Map<string, OrderResult>();
  const closedTrades = new Map<string, OrderResult>();
  const decisions: DecisionPush[] = [];
  const decisionKeys = new Set<string>();
  const llmRequests: LlmRequest[] = [];
  const llmQueue: Record<LlmRequest['purpose'], string[]> = { planner: [], supervisor: [] };
  const requests: string[] = [];
  const failures: Array<{ route: FakeHubRoute; left: number; mode: FakeHubFailure }> = [];
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
  const err = (res: ServerResponse, status: number, error: string, message = error) => send(res, status, { error, message });

  function takeFailure(route: FakeHubRoute): FakeHubFailure | null {
    const f = failures.find((x) => x.route === route && x.left > 0);
    if (!f) return null;
    f.left--;
    return f.mode;
  }

  function defaultCandles(limit: number): Candle[] {
    const n = Math.max(1, Math.min(limit, 1000));
    const step = 60_000;
    const t0 = Date.UTC(2026, 0, 1) - n * step;
    return Array.from({ length: n }, (_, i) => {
      const close = price * (1 + 0.002 * Math.sin((i - n + 1) / 5));
      return { openTime: t0 + i * step, open: close, high: close * 1.001, low: close * 0.999, close, volume: 10 };
    });
  }

  function fill(order: OrderRequest): { status: number; body: OrderResult | { error: string; message: string } } {
    if (order.action === 'open') {
      if (position) return { status: 409, body: { error: 'position_open', message: 'a position is already open' } };
      if ((order.side !== 'long' && order.side !== 'short') || !(typeof order.amountUsdt === 'number' && order.amountUsdt > 0)) {
        return { status: 400, body: { error: 'bad_request', message: 'open needs side and amountUsdt' } };
      }
      const notional = order.amountUsdt * leverage;
      const qty = notional / price;
      const fees = (notional * feePct) / 100;
      realizedPnl -= fees;
      position = {
        tradeId: `t${++tradeNo}`,
        side: order.side,
        qty,
        entryPrice: price,
        leverage,
        margin: order.amountUsdt,
        liquidationPrice: opts.mmr === undefined ? null : liquidationPrice(order.side, price, leverage, opts.mmr),
        tpPrice: order.tpPrice ?? null,
        slPrice: order.slPrice ?? null,
        openedAt: new Date((opts.now ?? Date.now)()).toISOString(),
      };
      const r: OrderResult = {
        tradeId: position.tradeId,
        status: 'open',
        side: order.side,
        qty,
        price,
        fees,
        pnl: null,
        realizedPnl,
        position,
        live: false,
        replayed: false,
      };
      return { status: 200, body: r };
    }
    if (order.action === 'close') {
      const earlier = order.tradeId !== undefined && order.tradeId !== position?.tradeId ? closedTrades.get(order.tradeId) : undefined;
      if (earlier) return { status: 200, body: { ...earlier, realizedPnl, replayed: true } };
      if (!position) return { status: 409, body: { error: 'no_position', message: 'no open position' } };
      const liquidation = position.liquidationPrice !== null && /^liquidat/i.test(order.reason);
      return { status: 200, body: closeAt(liquidation ? position.liquidationPrice! : price, liquidation ? 'liquidation' : order.reason) };
    }
    return { status: 400, body: { error: 'bad_request', message: 'action must be open or close' } };
  }

  function closeAt(exit: number, closeReason: string): OrderResult {
    const open = position!;
    const dir = open.side === 'long' ? 1 : -1;
    const fees = (open.qty * exit * feePct) / 100;
    const pnl = dir * (exit - open.entryPrice) * open.qty - fees;
    realizedPnl += pnl;
    const r: OrderResult = {
      tradeId: open.tradeId,
      status: 'closed',
      side: open.side,
      qty: open.qty,
      price: exit,
      fees,
      pnl,
      realizedPnl,
      position: null,
      live: false,
      replayed: false,
      closeReason,
    };
    closedTrades.set(open.tradeId, r);
    position = null;
    return r;
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > WIRE_LIMITS.maxBodyBytes) throw Object.assign(new Error('too large'), { status: 413 });
      chunks.push(c as Buffer);
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${opts.token}`) return err(res, 401, 'unauthorized');
    const agentMatch = /^\/internal\/agents\/([^/]+)\/(status|logs|orders|decisions|llm)$/.exec(url.pathname);
    const marketMatch = /^\/internal\/market\/(candles|price)$/.exec(url.pathname);
    const route = (agentMatch?.[2] ?? marketMatch?.[1]) as FakeHubRoute | undefined;
    if (!route) return err(res, 404, 'not_found');
    if (agentMatch && decodeURIComponent(agentMatch[1]) !== opts.agentId) return err(res, 403, 'forbidden', 'token is for another agent');
    const expected = marketMatch ? 'GET' : 'POST';
    if (req.method !== expected) return err(res, 405, 'method_not_allowed');
    requests.push(`${req.method} ${url.pathname}`);

    let body: unknown = null;
    if (req.method === 'POST') {
      try {
        body = await readBody(req);
      } catch (e) {
        return err(res, (e as { status?: number }).status ?? 400, 'bad_request', 'invalid body');
      }
    }

    const failure = takeFailure(route);
    if (failure === 'reset') {
      req.socket.destroy();
      return;
    }
    if (failure === 'hang') {
      hanging.add(res);
      return;
    }
    if (failure === '500' || failure === '503') return err(res, Number(failure), 'unavailable', 'scripted failure');
    if (failure === '429') {
      res.setHeader('retry-after', '0');
      return err(res, 429, 'rate_limited', 'scripted failure');
    }
    if (failure === '400') return err(res, 400, 'bad_request', 'scripted failure');

    switch (route) {
      case 'status': {
        const s = body as StatusPush;
        const last = statuses[statuses.length - 1];
        if (!last || s.seq > last.seq) statuses.push(s);
        const closed = s.position && closedTrades.has(s.position.tradeId) ? { closedTradeId: s.position.tradeId } : {};
        return send(res, 202, { accepted: true, ...closed } satisfies StatusAck);
      }
      case 'logs': {
        logPosts++;
        const entries = (body as { entries?: LogEntryWire[] })?.entries;
        if (!Array.isArray(entries) || entries.length > WIRE_LIMITS.maxLogEntriesPerBatch)
          return err(res, 400, 'bad_request', 'bad log batch');
        let stored = 0;
        for (const e of entries) {
          receivedLogSeqs.push(e.seq);
          if (logSeqs.has(e.seq)) continue;
          logSeqs.add(e.seq);
          logs.push(e);
          stored++;
        }
        return send(res, 200, { stored, duplicates: entries.length - stored });
      }
      case 'decisions': {
        const d = body as DecisionPush;
        if (!decisionKeys.has(d.idempotencyKey)) {
          decisionKeys.add(d.idempotencyKey);
          decisions.push(d);
        }
        return send(res, 200, { ok: true });
      }
      case 'orders': {
        const o = body as OrderRequest;
        orders.push(o);
        const prior = byKey.get(o.idempotencyKey);
        if (prior) return send(res, 200, { ...prior, replayed: true });
        const r = fill(o);
        if (r.status === 200) {
          byKey.set(o.idempotencyKey, r.body as OrderResult);
          if (!(r.body as OrderResult).replayed) fills.push(r.body as OrderResult);
        }
        if (failure === 'execute-then-hang') {
          hanging.add(res);
          return;
        }
        return send(res, r.status, r.body);
      }
      case 'llm': {
        const r = body as LlmRequest;
        llmRequests.push(r);
        const queued = llmQueue[r.purpose]?.shift();
        const content = queued ?? (r.purpose === 'planner' ? DEFAULT_PLAN : DEFAULT_SUPERVISOR);
        const answer: LlmResponse = { provider: 'fake', model: 'fake-1', content, usage: { promptTokens: 10, completionTokens: 10 } };
        return send(res, 200, answer);
      }
      case 'candles': {
        const limit = Number(url.searchParams.get('limit') ?? '100');
        const list = candles ? candles.slice(-limit) : defaultCandles(limit);
        const answer: CandlesResponse = {
          symbol: url.searchParams.get('symbol') ?? symbol,
          interval: url.searchParams.get('interval') ?? '1m',
          candles: list,
          stale: market.stale,
          simulated: market.simulated,
          source: market.source,
        };
        return send(res, 200, answer);
      }
      case 'price': {
        if (!market.priceEndpoint) return err(res, 404, 'not_found', 'no price endpoint');
        if (scripted.length > 0) price = scripted.length > 1 ? scripted.shift()! : scripted[0];
        const answer: PriceResponse = { symbol, price, stale: market.stale, simulated: market.simulated, source: market.source };
        return send(res, 200, answer);
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) err(res, 500, 'internal');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let isDown = false;

  function dropConnections(): void {
    for (const r of hanging) r.destroy();
    hanging.clear();
    for (const s of sockets) s.destroy();
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    statuses,
    logs,
    receivedLogSeqs,
    get logPosts() {
      return logPosts;
    },
    orders,
    fills,
    decisions,
    llmRequests,
    requests,
    get position() {
      return position;
    },
    get realizedPnl() {
      return realizedPnl;
    },
    get price() {
      return price;
    },
    setPrice(p) {
      price = p;
      scripted = [];
    },
    scriptPrices(ps) {
      scripted = [...ps];
    },
    setCandles(c) {
      candles = c;
    },
    setMarket(flags) {
      Object.assign(market, Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)));
    },
    setPosition(p, realized) {
      position = p;
      if (realized !== undefined) realizedPnl = realized;
    },
    liquidate() {
      if (position?.liquidationPrice == null) throw new Error('fake hub: no position with a liquidation price to liquidate');
      const r = closeAt(position.liquidationPrice, 'liquidation');
      fills.push(r);
      return r;
    },
    forceExit() {
      if (!position) throw new Error('fake hub: no position to force exit');
      const r = closeAt(price, 'force exit');
      fills.push(r);
      return r;
    },
    queueLlm(purpose, ...contents) {
      llmQueue[purpose].push(...contents);
    },
    failNext(route, count, mode) {
      failures.push({ route, left: count, mode });
    },
    async down() {
      if (isDown) return;
      isDown = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropConnections();
      });
    },
    async up() {
      if (!isDown) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      isDown = false;
    },
    async waitFor(predicate, timeoutMs = 5_000, what = 'condition') {
      const t0 = Date.now();
      while (!predicate()) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`fake hub: timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      if (isDown) return;
      isDown = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropConnections();
      });
    },
  };
}
