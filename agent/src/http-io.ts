/**
 * Small node:http helpers for the agent server: a size-limited JSON body reader and JSON
 * responses. Errors are `BadRequestError`s (413 for an oversized body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from '../../src/shared/wire.js';
import { BadRequestError } from './errors.js';

/** Reads and parses a JSON body; an empty body is `undefined`. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) throw new BadRequestError(`body larger than ${maxBytes} bytes`, 'payload_too_large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) throw new BadRequestError(`body larger than ${maxBytes} bytes`, 'payload_too_large');
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError('body is not valid JSON', 'invalid_json');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, error: string, message: string): void {
  const body: ErrorBody = { error, message };
  sendJson(res, status, body);
}
