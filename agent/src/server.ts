/**
 * The agent's HTTP server (node:http), the hub's handle on the agent:
 *
 *   GET /health → AgentHealth · POST /start StartRequest → AgentStatus
 *   POST /stop StopRequest → AgentStatus · GET /status → AgentStatus
 *   POST /config LiveConfigPatch → AgentStatus (live settings of the running session)
 *
 * Every request must carry `Authorization: Bearer <AGENT_TOKEN>` (checked timing-safe) or gets
 * 401 — before routing, so unknown paths reveal nothing. Errors are `{error, message}`:
 * 400 bad JSON/body (unknown `/config` fields included), 404/405 unknown route, 409 start while
 * running or config while not running, 413 body too large, 500 anything unexpected (logged; the
 * process keeps serving).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WIRE_LIMITS } from '../../src/shared/wire.js';
import type { AgentController } from './agent-controller.js';
import { errorMessage, type AgentLog } from './agent-log.js';
import { createBearerCheck } from './auth.js';
import { AgentBusyError, AgentNotRunningError, BadRequestError } from './errors.js';
import { readJsonBody, sendError, sendJson } from './http-io.js';
import { parseLiveConfigPatch, parseStartRequest, parseStopRequest } from './validate.js';

export interface AgentServerOptions {
  controller: AgentController;
  /** The token the hub must present. */
  token: string;
  log: AgentLog;
}

export interface AgentServer {
  readonly server: Server;
  /** Listens on `port` (0 = any free port) and `host`; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting and closes idle and open connections. */
  close(): Promise<void>;
}

/** Answers a request with a value or a promise of one (awaited before the reply). */
type Handler = (req: IncomingMessage) => unknown;

export function createAgentServer(opts: AgentServerOptions): AgentServer {
  const { controller, log } = opts;
  const authorized = createBearerCheck(opts.token);
  const routes: Record<string, Partial<Record<string, Handler>>> = {
    '/health': { GET: () => controller.health() },
    '/status': { GET: () => controller.status() },
    '/start': {
      POST: async (req) => controller.start(parseStartRequest(await readJsonBody(req, WIRE_LIMITS.maxBodyBytes))),
    },
    '/stop': {
      POST: async (req) => controller.stop(parseStopRequest(await readJsonBody(req, WIRE_LIMITS.maxBodyBytes))),
    },
    '/config': {
      POST: async (req) => controller.applyConfig(parseLiveConfigPatch(await readJsonBody(req, WIRE_LIMITS.maxBodyBytes))),
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer');
      return sendError(res, 401, 'unauthorized', 'missing or invalid agent token');
    }
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[path];
    if (!route) return sendError(res, 404, 'not_found', `no route ${path}`);
    const handler = route[req.method ?? 'GET'];
    if (!handler) {
      res.setHeader('allow', Object.keys(route).join(', '));
      return sendError(res, 405, 'method_not_allowed', `${req.method} not allowed on ${path}`);
    }
    try {
      sendJson(res, 200, await handler(req));
    } catch (err) {
      if (err instanceof BadRequestError) {
        if (err.code === 'payload_too_large') {
          res.setHeader('connection', 'close');
          return sendError(res, 413, err.code, err.message);
        }
        return sendError(res, 400, err.code, err.message);
      }
      if (err instanceof AgentBusyError) return sendError(res, 409, 'agent_busy', err.message);
      if (err instanceof AgentNotRunningError) return sendError(res, 409, 'not_running', err.message);
      log.error(`${req.method} ${path} failed: ${errorMessage(err)}`);
      return sendError(res, 500, 'internal', 'internal error');
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error(`request handling failed: ${errorMessage(err)}`);
      if (!res.headersSent) sendError(res, 500, 'internal', 'internal error');
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
