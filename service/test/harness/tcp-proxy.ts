/**
 * A tiny TCP proxy for fault injection between the service and a server: adds latency to every chunk in both
 * directions, or refuses/cuts connections, without touching the server itself.
 */
import net from 'node:net';
import { freePort } from './ports';

/** A running proxy 127.0.0.1:port → target. */
export class TcpProxy {
  /** Milliseconds added to each chunk, each direction. */
  latencyMs = 0;
  private refusing = false;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly server: net.Server,
    readonly port: number,
    readonly targetHost: string,
    readonly targetPort: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  readonly host = '127.0.0.1';

  /** When true, new connections are reset immediately and existing ones are cut (the server looks down). */
  setRefusing(refusing: boolean): void {
    this.refusing = refusing;
    if (refusing) this.cutAll();
  }

  /** Destroys every open connection through the proxy. */
  cutAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** Forwards chunks in order, each delayed by the latency in force when it arrived. */
  private pipe(from: net.Socket, to: net.Socket): void {
    let chain = Promise.resolve();
    from.on('data', (chunk) => {
      const delay = this.latencyMs;
      chain = chain.then(async () => {
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        if (!to.destroyed) to.write(chunk);
      });
    });
  }
}

/** Starts a proxy on a free loopback port forwarding to targetHost:targetPort. */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const port = await freePort();
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return new TcpProxy(server, port, targetHost, targetPort);
}
