/**
 * A TLS-terminating PostgreSQL proxy standing in for RDS Proxy: it answers the client's SSLRequest, presents its
 * own certificate (from the drill's stand-in public root, as RDS Proxy presents an ACM certificate chaining to
 * Amazon Root CA 1), and opens a second TLS session to the database, verifying the database's certificate (the
 * stand-in RDS CA) and name. A client that does not ask for TLS is refused, as a proxy with RequireTLS does.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import tls from 'node:tls';

/** PostgreSQL's SSLRequest: length 8, code 80877103 (PostgreSQL protocol, "SSL Session Encryption"). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export interface PgTlsProxyOptions {
  readonly listen: readonly { readonly host: string; readonly port: number }[];
  readonly certPem: string;
  readonly keyPem: string;
  readonly upstream: {
    readonly host: string;
    readonly port: number;
    /** Name the database certificate must carry (RDS Proxy connects to the cluster endpoint by name). */
    readonly servername: string;
    readonly caPem: string;
  };
}

function readExactly(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= n) {
        socket.off('data', onData);
        socket.off('error', reject);
        if (buf.length > n) socket.unshift(buf.subarray(n));
        resolve(buf.subarray(0, n));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

async function upstreamTls(o: PgTlsProxyOptions['upstream']): Promise<tls.TLSSocket> {
  const raw = connect({ host: o.host, port: o.port });
  await new Promise<void>((resolve, reject) => {
    raw.once('connect', resolve);
    raw.once('error', reject);
  });
  raw.write(SSL_REQUEST);
  const answer = await readExactly(raw, 1);
  if (answer.toString() !== 'S') throw new Error(`database at ${o.host}:${o.port} refused TLS`);
  const secure = tls.connect({ socket: raw, servername: o.servername, ca: o.caPem });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return secure;
}

async function handle(client: Socket, o: PgTlsProxyOptions, context: tls.SecureContext): Promise<void> {
  client.on('error', () => client.destroy());
  const first = await readExactly(client, 8);
  if (!first.equals(SSL_REQUEST)) {
    client.destroy(); // TLS required
    return;
  }
  client.write('S');
  const secureClient = new tls.TLSSocket(client, { isServer: true, secureContext: context });
  secureClient.on('error', () => secureClient.destroy());
  const upstream = await upstreamTls(o.upstream);
  upstream.on('error', () => secureClient.destroy());
  secureClient.on('close', () => upstream.destroy());
  upstream.on('close', () => secureClient.destroy());
  secureClient.pipe(upstream);
  upstream.pipe(secureClient);
}

/** Starts the proxy's listeners; resolves once every one is bound. */
export async function startPgTlsProxy(o: PgTlsProxyOptions): Promise<Server[]> {
  const context = tls.createSecureContext({ cert: o.certPem, key: o.keyPem });
  return Promise.all(
    o.listen.map(
      (l) =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer((c) => {
            handle(c, o, context).catch(() => c.destroy());
          });
          server.once('error', reject);
          server.listen(l.port, l.host, () => resolve(server));
        }),
    ),
  );
}
