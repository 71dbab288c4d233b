/**
 * TLS trust with real handshakes on loopback: a CA file is trusted *in addition to* the default roots (RDS Proxy's
 * ACM certificate chains to a public root, Aurora's to the RDS CA bundle), host names are still verified, and a
 * server from an unknown CA is refused.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { ConfigError } from '../src/config';
import { defaultTrustedCas, parsePemBundle, tlsTrust } from '../src/trust';
import { Ca, certDir, makeCa, makeServerCert, ServerCert } from './support/certs';

let dir: string;
let rdsCa: Ca; // stands in for the RDS CA bundle (DB_SSL_CA_FILE)
let publicCa: Ca; // stands in for the public roots Node trusts by default (Amazon Root CA 1)
let unknownCa: Ca;
let bundleFile: string;
const servers: tls.Server[] = [];

/** A TLS server on 127.0.0.1 presenting `cert`; resolves with its port. */
async function serve(cert: ServerCert): Promise<number> {
  const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as { port: number }).port;
}

/** 'ok' when the handshake verifies, else the verification error code. */
function handshake(port: number, options: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options }, () => {
      socket.destroy();
      resolve('ok');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

beforeAll(() => {
  dir = certDir();
  rdsCa = makeCa(dir, 'rds-standin');
  publicCa = makeCa(dir, 'public-standin');
  unknownCa = makeCa(dir, 'unknown');
  const other = makeCa(dir, 'other-region');
  // A multi-certificate bundle like global-bundle.pem: the CA that matters is not the first one.
  bundleFile = path.join(dir, 'bundle.pem');
  fs.writeFileSync(bundleFile, `${other.certPem}\n${rdsCa.certPem}`);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('tlsTrust', () => {
  test('GIVEN a CA bundle file and the default roots WHEN servers from either present certificates THEN both verify, and an unknown CA does not', async () => {
    const fromBundle = await serve(makeServerCert(dir, rdsCa, 'aurora', ['IP:127.0.0.1']));
    const fromPublic = await serve(makeServerCert(dir, publicCa, 'proxy', ['IP:127.0.0.1']));
    const fromUnknown = await serve(makeServerCert(dir, unknownCa, 'rogue', ['IP:127.0.0.1']));
    const trust = tlsTrust('DB_SSL_CA_FILE', bundleFile, [publicCa.certPem]);

    expect(await handshake(fromBundle, trust)).toBe('ok');
    expect(await handshake(fromPublic, trust)).toBe('ok');
    expect(await handshake(fromUnknown, trust)).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|unable to verify/i);
  });

  test('GIVEN a certificate from a trusted CA for another host THEN host name verification refuses it', async () => {
    const port = await serve(makeServerCert(dir, rdsCa, 'elsewhere', ['DNS:db.elsewhere.example']));
    const trust = tlsTrust('DB_SSL_CA_FILE', bundleFile, [publicCa.certPem]);
    expect(await handshake(port, trust)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('GIVEN no CA file THEN no trust store is set (Node defaults apply)', () => {
    expect(tlsTrust('REDIS_TLS_CA_FILE', undefined, [publicCa.certPem])).toEqual({
      rejectUnauthorized: true,
    });
  });

  test.each([
    ['a missing file', () => path.join(dir, 'nope.pem'), /ENOENT/],
    ['a file without certificates', () => write('empty.pem', 'not a certificate\n'), /contains no PEM/],
    [
      'a truncated bundle',
      () => write('cut.pem', `${rdsCa.certPem}-----BEGIN CERTIFICATE-----\nMIIB`),
      /2 BEGIN CERTIFICATE lines but 1 complete/,
    ],
    [
      'a corrupt certificate',
      () => write('bad.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
      /certificate 1 of 1 is not a valid X\.509/,
    ],
  ])(
    'GIVEN %s THEN a ConfigError that keeps the process down (78) names the variable and file',
    (_what, file, message) => {
      const path = file();
      let error: unknown;
      try {
        tlsTrust('DB_SSL_CA_FILE', path, []);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).exitCode).toBe(78);
      expect((error as ConfigError).message).toContain(`DB_SSL_CA_FILE '${path}' is not usable`);
      expect((error as ConfigError).message).toMatch(message);
    },
  );
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('default roots', () => {
  test('GIVEN no injected roots THEN the defaults include Amazon Root CA 1 (the root of RDS Proxy and ElastiCache certificates)', () => {
    const subjects = defaultTrustedCas({}).map((pem) => new X509Certificate(pem).subject);
    expect(subjects).toContainEqual(expect.stringMatching(/CN=Amazon Root CA 1$/m));
  });

  test('GIVEN parsePemBundle on the bundle THEN every certificate comes back', () => {
    expect(parsePemBundle(fs.readFileSync(bundleFile, 'utf8'), bundleFile)).toHaveLength(2);
  });

  test('GIVEN NODE_EXTRA_CA_CERTS in a real child process THEN a server from that CA verifies alongside the CA file', async () => {
    const port = await serve(makeServerCert(dir, publicCa, 'proxy-extra', ['IP:127.0.0.1']));
    const script = path.join(dir, 'child.ts');
    const trustModule = path.resolve(__dirname, '../src/trust');
    fs.writeFileSync(
      script,
      `import tls from 'node:tls';
import { tlsTrust } from ${JSON.stringify(trustModule)};
const s = tls.connect({ host: '127.0.0.1', port: ${port}, ...tlsTrust('DB_SSL_CA_FILE', ${JSON.stringify(bundleFile)}) }, () => { console.log('verified'); s.destroy(); });
s.on('error', (e) => { console.log(String((e as NodeJS.ErrnoException).code)); });
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      cwd: path.resolve(__dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: publicCa.certFile },
      timeout: 20000,
    });
    expect(stdout.trim()).toBe('verified');
  });
});
