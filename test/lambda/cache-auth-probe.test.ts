import * as net from 'node:net';
import { probeAuth } from '../../lambda/cache-rotation/auth-probe';

/**
 * A loopback server speaking just enough RESP: it parses the pipelined AUTH and PING arrays the probe sends and
 * answers the way Valkey/Redis does (the real server is exercised by the service's integration tests).
 */
async function respServer(
  answer: (command: string[]) => string | undefined,
): Promise<{ port: number; received: string[][]; close: () => Promise<void> }> {
  const received: string[][] = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      // *N\r\n($len\r\nvalue\r\n){N}
      for (;;) {
        const m = /^\*(\d+)\r\n/.exec(buffer);
        if (!m) return;
        let rest = buffer.slice(m[0].length);
        const parts: string[] = [];
        for (let i = 0; i < Number(m[1]); i++) {
          const len = /^\$(\d+)\r\n/.exec(rest);
          if (!len || rest.length < len[0].length + Number(len[1]) + 2) return;
          parts.push(rest.slice(len[0].length, len[0].length + Number(len[1])));
          rest = rest.slice(len[0].length + Number(len[1]) + 2);
        }
        buffer = rest;
        received.push(parts);
        const reply = answer(parts);
        if (reply !== undefined) socket.write(reply);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const GOOD = 'Good-token-with-spaces-free-0123';

/** Valkey's replies: a wrong password is WRONGPASS, and commands after it are NOAUTH. */
function valkey(valid: string[]) {
  let authed = false;
  return (cmd: string[]): string => {
    if (cmd[0] === 'AUTH') {
      authed = valid.includes(cmd[1]);
      return authed ? '+OK\r\n' : '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
    }
    return authed ? '+PONG\r\n' : '-NOAUTH Authentication required.\r\n';
  };
}

test('GIVEN a token the server accepts WHEN probed THEN ok, and the server got AUTH <token> then PING', async () => {
  const server = await respServer(valkey([GOOD]));
  try {
    await expect(probeAuth({ host: '127.0.0.1', port: server.port, tls: false }, GOOD)).resolves.toEqual({
      ok: true,
    });
    expect(server.received).toEqual([['AUTH', GOOD], ['PING']]);
  } finally {
    await server.close();
  }
});

test('GIVEN a token the server refuses WHEN probed THEN not ok with the server reply (an outcome, not an error)', async () => {
  const server = await respServer(valkey([GOOD]));
  try {
    const outcome = await probeAuth(
      { host: '127.0.0.1', port: server.port, tls: false },
      'Stale-token-0123456789',
    );
    expect(outcome).toEqual({ ok: false, reply: expect.stringMatching(/^WRONGPASS/) });
  } finally {
    await server.close();
  }
});

test('GIVEN a server that never answers WHEN probed THEN it fails after the timeout (never reported as refused)', async () => {
  const server = await respServer(() => undefined);
  try {
    await expect(
      probeAuth({ host: '127.0.0.1', port: server.port, tls: false, timeoutMs: 200 }, GOOD),
    ).rejects.toThrow(/no reply within 200 ms/);
  } finally {
    await server.close();
  }
});

test('GIVEN nothing listens WHEN probed THEN the connection error is thrown', async () => {
  const server = await respServer(() => undefined);
  const port = server.port;
  await server.close();
  await expect(probeAuth({ host: '127.0.0.1', port, tls: false }, GOOD)).rejects.toThrow(/ECONNREFUSED/);
});

test('GIVEN TLS is required and the server speaks plain TCP WHEN probed THEN it fails instead of sending the token in clear', async () => {
  const server = await respServer(valkey([GOOD]));
  try {
    await expect(
      probeAuth({ host: '127.0.0.1', port: server.port, tls: true, timeoutMs: 1000 }, GOOD),
    ).rejects.toThrow();
    expect(server.received).toEqual([]);
  } finally {
    await server.close();
  }
});
