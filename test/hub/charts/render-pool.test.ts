/**
 * The render pool: charts are drawn in a worker thread, one at a time per worker, with a
 * timeout, typed errors, a bounded wait list and a clean close — and the worker starts the same
 * way under vitest, under the tsx CLI (`npm start`) and from the compiled build (plain node).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChartSpec } from '../../../src/hub/charts/chart-spec.js';
import { ChartRenderError, ChartsBusyError, ChartsClosedError, ChartTimeoutError } from '../../../src/hub/charts/errors.js';
import { createRenderPool, type ChartRenderer } from '../../../src/hub/charts/render-pool.js';
import { PROJECT_ROOT } from '../../../src/paths.js';
import { candleSpec, equitySpec } from '../../fixtures/chart-specs.js';
import { compileForNode, LOADERS_EXPRESSION, runNodeScript } from '../../support/compile-for-node.js';
import { brightnessVariance, decodePng, pngSize } from '../../support/png.js';

const scripted = new URL('../../support/scripted-render-worker.ts', import.meta.url);
const named = (agentName: string): ChartSpec => ({ ...candleSpec(10, 0), agentName });
const pools: ChartRenderer[] = [];
function pool(options: Parameters<typeof createRenderPool>[0] = {}): ChartRenderer {
  const p = createRenderPool(options);
  pools.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('render pool', () => {
  it('draws charts in its worker: PNGs of the right size, errors of the renderer typed', async () => {
    const charts = pool({ timeoutMs: 60_000 });
    const [candles, equity] = await Promise.all([charts.render(candleSpec(200, 20)), charts.render(equitySpec(12))]);
    expect(pngSize(candles)).toEqual({ width: 1280, height: 720 });
    expect(brightnessVariance(decodePng(equity))).toBeGreaterThan(100);
    const broken: ChartSpec = { ...equitySpec(3), curve: [] };
    await expect(charts.render(broken)).rejects.toBeInstanceOf(ChartRenderError);
    expect(pngSize(await charts.render(candleSpec(50, 5)))).toEqual({ width: 1280, height: 720 });
  }, 60_000);

  it('a chart that takes too long fails with ChartTimeoutError; the worker is replaced', async () => {
    const charts = pool({ workerEntry: scripted, timeoutMs: 1500 });
    expect([...(await charts.render(named('ok')))]).toEqual([1, 2, 3]);
    const error = await charts.render(named('hang')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChartTimeoutError);
    expect((error as ChartTimeoutError).userMessage).toContain('took too long');
    expect([...(await charts.render(named('ok')))]).toEqual([1, 2, 3]);
  }, 30_000);

  it('a worker that dies fails its chart with ChartRenderError, and the next chart gets a new one', async () => {
    const charts = pool({ workerEntry: scripted, timeoutMs: 20_000 });
    await expect(charts.render(named('crash'))).rejects.toThrow(/exited with code 3/);
    await expect(charts.render(named('throw'))).rejects.toThrow(/boom in the worker/);
    expect([...(await charts.render(named('ok')))]).toEqual([1, 2, 3]);
  }, 30_000);

  it('refuses charts beyond the wait list (ChartsBusyError) and fails what is left on close', async () => {
    const charts = createRenderPool({ workerEntry: scripted, timeoutMs: 60_000, maxWaiting: 1 });
    const drawing = charts.render(named('hang')).catch((e: unknown) => e);
    const waiting = charts.render(named('ok')).catch((e: unknown) => e);
    await expect(charts.render(named('ok'))).rejects.toBeInstanceOf(ChartsBusyError);
    await charts.close();
    expect(await drawing).toBeInstanceOf(ChartsClosedError);
    expect(await waiting).toBeInstanceOf(ChartsClosedError);
    await expect(charts.render(named('ok'))).rejects.toBeInstanceOf(ChartsClosedError);
  }, 30_000);
});

describe('the worker starts in every way the hub runs', () => {
  const probe = path.join(PROJECT_ROOT, 'test/support/render-probe.ts');
  const expected = { width: 1280, height: 720, bytes: expect.any(Number) as number };

  it('under the tsx CLI (npm start)', () => {
    const out = execFileSync(path.join(PROJECT_ROOT, 'node_modules/.bin/tsx'), [probe], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(expected);
  }, 90_000);

  it('compiled to JavaScript and run by plain node (npm run build)', () => {
    // The worker's files and the fixture only, so this stays quick; the entry is then render-worker.js.
    const build = compileForNode(
      [
        'src/hub/charts/render-pool.ts',
        'src/hub/charts/render-worker.ts',
        'src/hub/charts/echarts-bundle.d.ts',
        'test/fixtures/chart-specs.ts',
      ],
      '.chart-build-',
    );
    try {
      const script = `
        const { createRenderPool } = await import(${JSON.stringify(build.url('src/hub/charts/render-pool.js'))});
        const { candleSpec } = await import(${JSON.stringify(build.url('test/fixtures/chart-specs.js'))});
        const pool = createRenderPool({ timeoutMs: 60000 });
        const png = await pool.render(candleSpec(120, 10));
        await pool.close();
        console.log(JSON.stringify({ width: png.readUInt32BE(16), height: png.readUInt32BE(20), bytes: png.length, loaders: ${LOADERS_EXPRESSION} }));`;
      // No loader: the worker runs compiled JavaScript as the hub image does.
      expect(JSON.parse(runNodeScript(script))).toEqual({ ...expected, loaders: [] });
    } finally {
      build.remove();
    }
  }, 180_000);
});
