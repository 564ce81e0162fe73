/**
 * Chart rendering off the hub's event loop: a small pool of worker threads (default one),
 * started on the first chart, each drawing one chart at a time. A chart that takes longer than
 * `timeoutMs` fails with `ChartTimeoutError` and its worker is replaced; a worker that dies fails
 * its chart with `ChartRenderError`; more than `maxWaiting` charts waiting fail at once with
 * `ChartsBusyError`. `close()` (hub stop) ends the workers and fails what is left.
 *
 * The worker runs ./render-worker.js in the compiled build. From source (`npm start` runs tsx,
 * tests run vitest) there is only render-worker.ts, and a worker does not inherit tsx's loader:
 * the worker is then started from a two-line bootstrap that registers tsx first.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logger.js';
import type { ChartSpec } from './chart-spec.js';
import { ChartRenderError, ChartsBusyError, ChartsClosedError, ChartTimeoutError } from './errors.js';

export interface RenderRequest {
  id: number;
  spec: ChartSpec;
}

export type RenderReply = { id: number; ok: true; png: Uint8Array } | { id: number; ok: false; error: { name: string; message: string } };

export interface ChartRenderer {
  /** The chart as a PNG (1280×720). Rejects with a `ChartError`. */
  render(spec: ChartSpec): Promise<Buffer>;
  /** Ends the workers; charts waiting or being drawn fail with `ChartsClosedError`. */
  close(): Promise<void>;
}

export interface RenderPoolOptions {
  /** Worker threads (default 1). */
  size?: number;
  /** Longest a chart may take once a worker has it (ms, default 15 000; the first includes the worker's start). */
  timeoutMs?: number;
  /** Charts allowed to wait for a worker (default 16). */
  maxWaiting?: number;
  /** The worker's entry (tests give one that hangs or crashes); default ./render-worker.{js,ts}. */
  workerEntry?: URL;
  logger?: Logger;
}

interface Job {
  spec: ChartSpec;
  resolve(png: Buffer): void;
  reject(error: Error): void;
}

interface Slot {
  worker?: Worker;
  job?: Job & { id: number; timer: NodeJS.Timeout };
}

function defaultEntry(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./render-worker.${ext}`, import.meta.url);
}

/** A worker on `entry`; a TypeScript entry gets tsx's loader registered inside the worker first. */
export function startWorker(entry: URL, options: ConstructorParameters<typeof Worker>[1] = {}): Worker {
  // The worker inherits the process's node options, except one that is only valid for `-e` input.
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { execArgv, ...options });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { execArgv, ...options, eval: true });
}

export function createRenderPool(options: RenderPoolOptions = {}): ChartRenderer {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxWaiting = options.maxWaiting ?? 16;
  const entry = options.workerEntry ?? defaultEntry();
  const slots: Slot[] = Array.from({ length: Math.max(1, options.size ?? 1) }, () => ({}));
  const waiting: Job[] = [];
  let nextId = 1;
  let closed = false;

  /** Ends the slot's worker (if any) and fails its job with `error`. */
  function fail(slot: Slot, error: Error): void {
    const { worker, job } = slot;
    slot.worker = undefined;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(error);
    }
    worker?.removeAllListeners();
    void worker?.terminate();
    pump();
  }

  function spawn(slot: Slot): Worker {
    const worker = startWorker(entry, { resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.on('message', (reply: RenderReply) => {
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      clearTimeout(job.timer);
      slot.job = undefined;
      worker.unref(); // an idle worker does not keep the process alive
      if (reply.ok) job.resolve(Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength));
      else {
        // The trader is told only that it failed; the cause is for the operator.
        options.logger?.error({ error: reply.error }, 'chart rendering failed');
        job.reject(new ChartRenderError(`${reply.error.name}: ${reply.error.message}`));
      }
      pump();
    });
    worker.on('error', (error) => {
      options.logger?.error({ err: error }, 'chart render worker failed');
      fail(slot, new ChartRenderError(error.message));
    });
    worker.on('exit', (code) => {
      if (slot.worker === worker) fail(slot, new ChartRenderError(`the render worker exited with code ${code}`));
    });
    return worker;
  }

  function pump(): void {
    if (closed) return;
    for (const slot of slots) {
      if (slot.job || waiting.length === 0) continue;
      const job = waiting.shift()!;
      const worker = (slot.worker ??= spawn(slot));
      const id = nextId++;
      const timer = setTimeout(() => {
        options.logger?.warn({ timeoutMs }, 'chart rendering timed out; restarting the render worker');
        fail(slot, new ChartTimeoutError(timeoutMs));
      }, timeoutMs);
      timer.unref();
      slot.job = { ...job, id, timer };
      worker.ref();
      worker.postMessage({ id, spec: job.spec } satisfies RenderRequest);
    }
  }

  return {
    render(spec) {
      if (closed) return Promise.reject(new ChartsClosedError());
      if (waiting.length >= maxWaiting) return Promise.reject(new ChartsBusyError(waiting.length));
      return new Promise<Buffer>((resolve, reject) => {
        waiting.push({ spec, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const job of waiting.splice(0)) job.reject(new ChartsClosedError());
      const workers = slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
      for (const slot of slots) fail(slot, new ChartsClosedError());
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
