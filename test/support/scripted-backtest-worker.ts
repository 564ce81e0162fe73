/**
 * A stand-in backtest worker for queue tests, scripted by the job's symbol:
 * `SPINUSDT` never ends (a synchronous loop, like an engine over a long year, posting progress);
 * `CRASHUSDT` exits the thread; `THROWUSDT` answers a runner error; `SLOWUSDT` works
 * `amountUsdt` ms before answering; anything else answers at once. Every answer carries the
 * thread's id and when it started and ended its work (`firstBarAt`, `lastBarAt`: epoch ms).
 */
import { parentPort, threadId } from 'node:worker_threads';
import type { BacktestResult } from '../../src/hub/backtest/types.js';
import { throttleProgress, unpackBars, type WorkerReply, type WorkerRequest } from '../../src/hub/backtest/worker-messages.js';

const port = parentPort!;
const clock = () => performance.timeOrigin + performance.now();

function reply(message: WorkerReply): void {
  port.postMessage(message);
}

port.on('message', (request: WorkerRequest) => {
  const { params } = request.input;
  const bars = unpackBars(request.input.bars);
  const startedAt = clock();
  if (params.symbol === 'CRASHUSDT') process.exit(3);
  if (params.symbol === 'THROWUSDT')
    return reply({ id: request.id, type: 'failed', error: { name: 'Error', message: 'boom in the runner' } });
  if (params.symbol === 'SPINUSDT') {
    const progress = throttleProgress((p) => reply({ id: request.id, type: 'progress', progress: p }), { everyMs: 20 });
    for (let i = 0; ; i++) progress({ barsDone: i, barsTotal: Number.MAX_SAFE_INTEGER, trades: threadId });
  }
  if (params.symbol === 'SLOWUSDT') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, params.amountUsdt);
  const result = {
    params,
    bars: bars.length,
    warmupBars: threadId,
    firstBarAt: startedAt,
    lastBarAt: clock(),
  } as unknown as BacktestResult;
  reply({ id: request.id, type: 'done', outcome: { kind: 'backtest', result } });
});
