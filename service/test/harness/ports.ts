import net from 'node:net';

/** True when `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();

/**
 * A free loopback port. With `withOffset`, `port + withOffset` must be free too (Redis Cluster's bus port is
 * port + 10000). Ports are never handed out twice in one process, so servers started back to back do not collide.
 */
export async function freePort(withOffset?: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (handedOut.has(port)) continue;
    if (!(await isPortFree(port))) continue;
    if (withOffset !== undefined && !(await isPortFree(port + withOffset))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('no free loopback port found after 200 attempts');
}
