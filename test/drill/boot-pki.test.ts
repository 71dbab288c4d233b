/**
 * The boot drill's certificates (drill/boot/case.ts makePki, made with service/test/support/certs.ts):
 * the Redis Cluster nodes present theirs as TLS clients on the cluster bus, so every leaf must allow
 * client authentication as well as server authentication; the service tests' default stays serverAuth only.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makePki } from '../../drill/boot/case';
import { certDir, makeCa, makeServerCert } from '../../service/test/support/certs';

/** The extendedKeyUsage line of `openssl x509 -text`. */
function extendedKeyUsage(certFile: string): string {
  const text = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-text'], { encoding: 'utf8' });
  const m = /X509v3 Extended Key Usage:.*\n\s*(.+)/.exec(text);
  if (!m) throw new Error(`no extendedKeyUsage in ${certFile}`);
  return m[1].trim();
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boot-pki-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('GIVEN the drill PKI THEN every leaf allows TLS server and client authentication, and verifies against its CA', () => {
  const pki = makePki(path.join(dir, 'drill'), {
    db: ['db.local'],
    proxy: ['proxy.local'],
    cache: ['cache.local'],
  });
  for (const [leaf, ca] of [
    [pki.db, pki.rdsCa],
    [pki.proxy, pki.publicCa],
    [pki.cache, pki.publicCa],
  ] as const) {
    expect(extendedKeyUsage(leaf.cert)).toBe('TLS Web Server Authentication, TLS Web Client Authentication');
    // the Redis Cluster bus checks the peer's certificate as a client certificate
    for (const purpose of ['sslserver', 'sslclient']) {
      expect(
        execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', ca, leaf.cert], {
          encoding: 'utf8',
        }),
      ).toMatch(/: OK$/m);
    }
  }
});

test('GIVEN makeServerCert without options THEN the certificate is for TLS servers only', () => {
  const certs = certDir();
  try {
    const ca = makeCa(certs, 'ca');
    const cert = makeServerCert(certs, ca, 'server', ['IP:127.0.0.1']);
    expect(extendedKeyUsage(cert.certFile)).toBe('TLS Web Server Authentication');
    expect(() =>
      execFileSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', ca.certFile, cert.certFile], {
        stdio: 'pipe',
      }),
    ).toThrow();
  } finally {
    fs.rmSync(certs, { recursive: true, force: true });
  }
});
