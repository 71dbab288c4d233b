import * as net from 'node:net';
import * as tls from 'node:tls';

/** Where a Valkey/Redis endpoint listens and whether it speaks TLS. */
export interface CacheEndpoint {
  readonly host: string;
  readonly port: number;
  /** ElastiCache with in-transit encryption: TLS verified against Node's roots (Amazon Root CA 1). */
  readonly tls: boolean;
  /** Socket and reply deadline. @default 5000 */
  readonly timeoutMs?: number;
}

/** What the server said to `AUTH <token>` followed by `PING`. */
export type AuthOutcome = { readonly ok: true } | { readonly ok: false; readonly reply: string };

/**
 * Sends `AUTH <token>` and `PING` (RESP, pipelined) and reads both replies: ok when the server answers `+OK` then
 * `+PONG`. A refused token (`-WRONGPASS`, `-ERR invalid password`) is an outcome, not an error; a connection or
 * TLS failure, a timeout or an unexpected reply throws. A dozen lines of RESP instead of a client library keep the
 * bundle small; only simple-string and error replies can come back to these two commands.
 */
export function probeAuth(endpoint: CacheEndpoint, token: string): Promise<AuthOutcome> {
  return new Promise((resolve, reject) => {
    const timeoutMs = endpoint.timeoutMs ?? 5000;
    const socket: net.Socket = endpoint.tls
      ? tls.connect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
      : net.connect({ host: endpoint.host, port: endpoint.port });
    let buffer = '';
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new Error(`cache ${endpoint.host}:${endpoint.port}: no reply within ${timeoutMs} ms`)),
        ),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on(endpoint.tls ? 'secureConnect' : 'connect', () => {
      socket.write(command('AUTH', token) + command('PING'));
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\r\n');
      const first = lines[0];
      if (lines.length >= 2 && first.startsWith('-')) {
        finish(() => resolve({ ok: false, reply: first.slice(1) }));
        return;
      }
      if (lines.length < 3) return; // wait for both replies
      const second = lines[1];
      if (first === '+OK' && second === '+PONG') finish(() => resolve({ ok: true }));
      else
        finish(() =>
          reject(
            new Error(`cache ${endpoint.host}:${endpoint.port}: unexpected replies ${first} / ${second}`),
          ),
        );
    });
    socket.on('error', (err) => finish(() => reject(err)));
    socket.on('close', () =>
      finish(() => reject(new Error(`cache ${endpoint.host}:${endpoint.port} closed the connection`))),
    );
  });
}

/** A RESP array of bulk strings. */
function command(...parts: string[]): string {
  return `*${parts.length}\r\n` + parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('');
}
