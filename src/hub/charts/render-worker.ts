/**
 * The render worker's entry (a `node:worker_threads` worker started by ./render-pool.ts): draws
 * each chart it is sent and posts the PNG back, or the error's name and message. One chart at a
 * time; the pool sends the next when this one is answered.
 */
import { parentPort } from 'node:worker_threads';
import type { RenderReply, RenderRequest } from './render-pool.js';
import { renderPng } from './render-png.js';

const port = parentPort;
if (!port) throw new Error('render-worker.ts runs only as a worker thread');

port.on('message', (request: RenderRequest) => {
  let reply: RenderReply;
  try {
    const { png } = renderPng(request.spec);
    // A copy the worker owns, so it can be transferred instead of cloned.
    const bytes = new Uint8Array(png);
    reply = { id: request.id, ok: true, png: bytes };
    port.postMessage(reply, [bytes.buffer]);
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    reply = { id: request.id, ok: false, error: { name: err.name, message: err.message } };
    port.postMessage(reply);
  }
});
