/** Throwaway CAs and server certificates made with the openssl CLI, for real TLS handshakes in tests. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Ca {
  readonly name: string;
  readonly certPem: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ServerCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly certFile: string;
  readonly keyFile: string;
}

const openssl = (args: string[], cwd: string): void => {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
};

/** A directory for one test file's certificates; remove it with fs.rmSync in afterAll. */
export function certDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ha-certs-'));
}

/** A self-signed CA (EC P-256, valid 2 days). */
export function makeCa(dir: string, name: string): Ca {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { name, certPem: fs.readFileSync(certFile, 'utf8'), certFile, keyFile };
}

export interface ServerCertOptions {
  /**
   * Also allow TLS client authentication (extendedKeyUsage serverAuth,clientAuth), for a server
   * that presents the same certificate as a client: Redis Cluster nodes on the cluster bus.
   * @default false - serverAuth only
   */
  readonly clientAuth?: boolean;
}

/** A server certificate signed by `ca` for the given subject alternative names (e.g. `IP:127.0.0.1`). */
export function makeServerCert(
  dir: string,
  ca: Ca,
  name: string,
  altNames: readonly string[],
  options: ServerCertOptions = {},
): ServerCert {
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  const certFile = path.join(dir, `${name}.pem`);
  const extFile = path.join(dir, `${name}.ext`);
  const usage = options.clientAuth ? 'serverAuth,clientAuth' : 'serverAuth';
  fs.writeFileSync(extFile, `subjectAltName=${altNames.join(',')}\nextendedKeyUsage=${usage}\n`);
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      csrFile,
      '-subj',
      `/CN=${name}`,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csrFile,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      extFile,
      '-out',
      certFile,
    ],
    dir,
  );
  return {
    certPem: fs.readFileSync(certFile, 'utf8'),
    keyPem: fs.readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
  };
}
