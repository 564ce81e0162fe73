/** Free loopback ports for tests (agents, stand-in servers, anvil). */
import net from 'node:net';
import { canBind } from '../../src/hub/agents/port-allocator.js';

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A block of `size` consecutive ports that are free right now (for AGENT_PORT_RANGE), below
 * Linux's ephemeral range (32768–60999), where stand-in servers listening on port 0 and outgoing
 * connections would otherwise take ports out of a test's pool while it runs.
 */
export async function freePortRange(size: number): Promise<{ from: number; to: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const from = 10_000 + Math.floor(Math.random() * (22_000 - size));
    const probes = await Promise.all(Array.from({ length: size }, (_, i) => canBind(from + i)));
    if (probes.every(Boolean)) return { from, to: from + size - 1 };
  }
  throw new Error('no free port range');
}
