/**
 * A stand-in for RDS Proxy refusing a stale password: the next `rejectNext` connections get an MD5 password
 * challenge, and once the client answers it, a FATAL ErrorResponse with the given SQLSTATE and message (RDS Proxy
 * checks the password against its copy of the secret itself, with its own wording). Every other connection is
 * passed through to the real server unchanged.
 */
import net from 'node:net';
import { freePort } from './ports';

export interface ProxyAuthError {
  /** SQLSTATE sent in the `C` field; omitted when undefined. */
  readonly code?: string;
  readonly message: string;
}

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function errorResponse(error: ProxyAuthError): Buffer {
  const fields: [string, string][] = [
    ['S', 'FATAL'],
    ['V', 'FATAL'],
    ...(error.code ? ([['C', error.code]] as [string, string][]) : []),
    ['M', error.message],
  ];
  const body = Buffer.concat([
    ...fields.map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  return message('E', body);
}

export class AuthRejectingProxy {
  /** How many upcoming connections to refuse. */
  rejectNext = 0;
  /** Connections refused so far. */
  rejected = 0;
  error: ProxyAuthError = {
    code: '28P01',
    message: 'The password that was provided for the role app is wrong.',
  };
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly targetPort: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Cuts every open connection (as connections are recycled), so the next query must log in again. */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.rejectNext > 0) {
      this.rejectNext--;
      this.refuse(client);
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Startup message in, MD5 challenge out, password message in, FATAL error out, close. */
  private refuse(client: net.Socket): void {
    let buffered = Buffer.alloc(0);
    let stage: 'startup' | 'password' = 'startup';
    client.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (stage === 'startup' && buffered.length >= 4 && buffered.length >= buffered.readInt32BE(0)) {
        buffered = buffered.subarray(buffered.readInt32BE(0));
        stage = 'password';
        const challenge = Buffer.alloc(8);
        challenge.writeInt32BE(5, 0); // AuthenticationMD5Password + 4-byte salt
        challenge.write('salt', 4, 'latin1');
        client.write(message('R', challenge));
      }
      if (stage === 'password' && buffered.length >= 5 && buffered.length >= 1 + buffered.readInt32BE(1)) {
        this.rejected++;
        client.end(errorResponse(this.error));
      }
    });
  }
}

/** Starts the stand-in on a free loopback port in front of 127.0.0.1:targetPort. */
export async function startAuthRejectingProxy(targetPort: number): Promise<AuthRejectingProxy> {
  const port = await freePort();
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return new AuthRejectingProxy(server, port, targetPort);
}
