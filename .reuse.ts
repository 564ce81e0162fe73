import * as echarts from 'echarts/dist/echarts.esm.min.mjs';
import { chartOption, renderSvg } from './src/hub/charts/render-png.js';
import { candleSpec } from './test/fixtures/chart-specs.js';
const spec = candleSpec(500, 50);
function cpu(f: () => unknown): number { const a = process.cpuUsage(); f(); const b = process.cpuUsage(a); return (b.user + b.system) / 1000; }
const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 1280, height: 720 });
for (let i = 0; i < 5; i++) { renderSvg(spec); chart.setOption(chartOption(spec), { notMerge: true }); chart.renderToSVGString(); }
for (let round = 0; round < 3; round++) {
  let a = 0, b = 0; const N = 15;
  for (let i = 0; i < N; i++) {
    a += cpu(() => renderSvg(spec));
    b += cpu(() => { chart.setOption(chartOption(spec), { notMerge: true }); chart.renderToSVGString(); });
  }
  console.log('fresh', (a / N).toFixed(1), 'reused', (b / N).toFixed(1));
}
