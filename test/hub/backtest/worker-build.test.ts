/**
 * The backtest worker starts from the compiled build as from source: `npm run build` output run
 * by plain node (no tsx loader) finds ./worker.js next to the queue and runs a backtest in it.
 * (From source — vitest, `npm start` under tsx — it is started through the tsx bootstrap shared
 * with the chart renderer: backtest-service.test.ts runs it.)
 */
import { describe, expect, it } from 'vitest';
import { compileForNode, LOADERS_EXPRESSION, runNodeScript } from '../../support/compile-for-node.js';

describe('backtest worker, compiled', () => {
  it('runs a backtest from JavaScript under plain node', () => {
    const build = compileForNode(
      [
        'src/hub/backtest/backtest-queue.ts',
        'src/hub/backtest/worker.ts',
        'src/hub/charts/echarts-bundle.d.ts',
        'test/fixtures/backtest-params.ts',
      ],
      '.backtest-build-',
    );
    try {
      const script = `
        const { createBacktestQueue } = await import(${JSON.stringify(build.url('src/hub/backtest/backtest-queue.js'))});
        const { packBars } = await import(${JSON.stringify(build.url('src/hub/backtest/worker-messages.js'))});
        const { backtestParams } = await import(${JSON.stringify(build.url('test/fixtures/backtest-params.js'))});
        const queue = createBacktestQueue({ concurrency: 1, maxWaiting: 1 });
        const bars = Array.from({ length: 600 }, (_, i) => {
          const close = 100 + 10 * Math.sin(i / 15);
          return { openTime: i * 900000, open: close, high: close + 1, low: close - 1, close, volume: 1 };
        });
        const params = backtestParams(200 * 900000, 600 * 900000);
        const outcome = await new Promise((resolve, reject) => {
          const job = { id: 'j1', ownerId: 'u1', onEvent: (e) => e.kind === 'failed' && reject(new Error(e.message)),
            onOutcome: async (o) => { resolve(o); return { kind: 'cancelled' }; } };
          const work = { kind: 'backtest', input: { params, costs: { feeBps: 6, slippageBps: 2 }, bars: packBars(bars), simulated: true, source: 'simulated' } };
          queue.enqueue(job, async () => work).catch(reject);
        });
        await queue.close();
        console.log(JSON.stringify({ kind: outcome.kind, bars: outcome.result.bars, symbol: outcome.result.params.symbol, loaders: ${LOADERS_EXPRESSION} }));`;
      // No loader: the worker ran compiled JavaScript as the hub image does.
      expect(JSON.parse(runNodeScript(script))).toEqual({ kind: 'backtest', bars: 400, symbol: 'BTCUSDT', loaders: [] });
    } finally {
      build.remove();
    }
  }, 180_000);
});
