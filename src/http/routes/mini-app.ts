/**
 * `GET /app/*`: the Mini App dashboard's static files (built by src/http/app-bundle.ts).
 *
 * The folder is read into memory when the plugin registers (a few files, about 1 MB), so only
 * files that exist in it can ever be served: no path from a request reaches the file system, and
 * `..` in any spelling matches nothing. Text files are also kept gzipped and sent so to clients
 * that accept it. `/app`, `/app/` and in-app routes (`/app/agents/<id>`: letters, digits, `-`, `_`
 * and `/` only) answer index.html; any other unknown path is a 404.
 *
 * Caching: files under `assets/` carry a content hash in their names and are immutable for a
 * year; index.html is revalidated every time (ETag), so a new build reaches users at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export const MINI_APP_PREFIX = '/app';

export interface MiniAppOptions {
  /** The built bundle (dist/app); undefined or missing: `/app` answers 503 with how to build it. */
  dir: string | undefined;
}

interface StaticFile {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
  cacheControl: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Everything the page loads comes from this origin (no CDN, no web font); the API and the
 * WebSocket are same-origin too. Styles may be inline: Preact and the chart library set them.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/** In-app routes the client renders itself: answered with index.html. */
const CLIENT_ROUTE = /^[A-Za-z0-9_\-/]*$/;

function loadFile(dir: string, relative: string): StaticFile {
  const body = readFileSync(path.join(dir, relative));
  const type = CONTENT_TYPES[path.extname(relative)] ?? 'application/octet-stream';
  const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 512;
  const hashed = relative.startsWith('assets/');
  return {
    body,
    gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}

/** Every file of the bundle, keyed by its path relative to the folder with `/` separators. */
export function loadBundle(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const relative = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    files.set(relative, loadFile(dir, relative));
  }
  return files;
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile) {
  reply
    .header('content-type', file.type)
    .header('cache-control', file.cacheControl)
    .header('etag', file.etag)
    .header('x-content-type-options', 'nosniff')
    .header('vary', 'accept-encoding');
  if (file.type.startsWith('text/html')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (file.gzip && acceptsGzip) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}

const plugin: FastifyPluginAsync<MiniAppOptions> = async (app, { dir }) => {
  const files = dir && existsSync(path.join(dir, 'index.html')) ? loadBundle(dir) : undefined;

  const handler = async (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    if (!files) {
      return reply
        .code(503)
        .send({ error: 'AppNotBuilt', message: 'The dashboard is not built: run `npm run build:app` and restart the hub.' });
    }
    const wanted = request.params['*'] ?? '';
    const file = files.get(wanted) ?? (CLIENT_ROUTE.test(wanted) ? files.get('index.html') : undefined);
    if (!file) return reply.code(404).send({ error: 'NotFound', message: `No file ${MINI_APP_PREFIX}/${wanted}` });
    return send(request, reply, file);
  };

  app.get(MINI_APP_PREFIX, { logLevel: 'warn' }, handler);
  app.get(`${MINI_APP_PREFIX}/*`, { logLevel: 'warn' }, handler);
};

/** The dashboard's static files at `/app`; see the module comment for what is served how. */
export const miniAppRoutes = fp(plugin, { name: 'mini-app', fastify: '5.x' });
