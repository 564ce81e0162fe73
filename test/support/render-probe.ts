/**
 * Renders one chart through the render pool and prints `{"width":…,"height":…,"bytes":…}`:
 * run by tests under the tsx CLI (as `npm start` runs the hub) and from a compiled copy.
 * argv[2]: URL of the render-pool module to load (default: the source file).
 */
import { candleSpec } from '../fixtures/chart-specs.js';
import { pngSize } from './png.js';

const poolUrl = process.argv[2] ?? new URL('../../src/hub/charts/render-pool.ts', import.meta.url).href;
const { createRenderPool } = (await import(poolUrl)) as typeof import('../../src/hub/charts/render-pool.js');
const pool = createRenderPool({ timeoutMs: 60_000 });
try {
  const png = await pool.render(candleSpec(120, 10));
  process.stdout.write(JSON.stringify({ ...pngSize(png), bytes: png.length }) + '\n');
} finally {
  await pool.close();
}
