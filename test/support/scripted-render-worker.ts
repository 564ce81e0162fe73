/**
 * A stand-in render worker for pool tests: answers by the spec's name. `hang` never answers,
 * `crash` exits the worker, `throw` throws outside the message handler's reply; anything else
 * gets a tiny fake PNG at once.
 */
import { parentPort } from 'node:worker_threads';
import type { RenderRequest } from '../../src/hub/charts/render-pool.js';

parentPort!.on('message', (request: RenderRequest) => {
  const { spec } = request;
  const name = spec.kind === 'candles' ? spec.agentName : spec.kind === 'equity' ? spec.subject : spec.symbol;
  if (name === 'hang') return;
  if (name === 'crash') process.exit(3);
  if (name === 'throw')
    setImmediate(() => {
      throw new Error('boom in the worker');
    });
  else parentPort!.postMessage({ id: request.id, ok: true, png: new Uint8Array([1, 2, 3]) });
});
