/**
 * Which certificate authorities the service trusts for TLS to PostgreSQL and Redis.
 *
 * Node's `ca` option *replaces* the default trust store, so passing only a CA file would reject every server whose
 * chain ends at a public root. In the primary region the database endpoints are RDS Proxy, which presents an ACM
 * certificate chaining to Amazon Root CA 1 (a public root), while the Aurora endpoints present certificates from the
 * RDS CAs (the global bundle). So a CA file is *added* to the defaults, never substituted for them.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { ConfigError } from './config';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * Every certificate in a PEM bundle (e.g. the RDS global bundle, ~100 certificates), each checked to be a real
 * X.509 certificate. Throws naming the source when the text holds none, a block is cut off, or a block does not
 * parse: a truncated download must not silently trust fewer CAs than intended.
 */
export function parsePemBundle(text: string, source: string): string[] {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  const begins = text.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
  if (blocks.length === 0) throw new Error(`${source} contains no PEM certificate`);
  if (begins !== blocks.length) {
    throw new Error(
      `${source} has ${begins} BEGIN CERTIFICATE lines but ${blocks.length} complete certificates`,
    );
  }
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new Error(
        `${source}: certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate (${(err as Error).message})`,
      );
    }
  });
  return blocks;
}

/** Node >= 22.15 (the instances' nodejs22) reports the CAs it trusts by default, NODE_EXTRA_CA_CERTS included. */
type GetCaCertificates = (type?: 'default' | 'system' | 'bundled' | 'extra') => string[];

/**
 * The CAs a Node TLS client trusts when given no `ca`: the bundled Mozilla roots (Amazon Root CA 1-4 among them)
 * plus NODE_EXTRA_CA_CERTS. Node 20 has no API for the second part, so the file is read the way Node reads it.
 */
export function defaultTrustedCas(env: NodeJS.ProcessEnv = process.env): string[] {
  const getCaCertificates = (tls as unknown as { getCACertificates?: GetCaCertificates }).getCACertificates;
  if (getCaCertificates) return getCaCertificates('default');
  const extraFile = env.NODE_EXTRA_CA_CERTS;
  const extra = extraFile ? parsePemBundle(fs.readFileSync(extraFile, 'utf8'), extraFile) : [];
  return [...tls.rootCertificates, ...extra];
}

/**
 * TLS client options that trust `roots` (default: what Node trusts by default) plus every certificate in `caFile`.
 * Without a file, no `ca` is set at all, so Node's defaults apply unchanged. Host name verification stays on:
 * pg and ioredis pass `host`/`servername` to `tls.connect`, which checks it against the certificate. One secure
 * context is built up front and shared, instead of parsing ~250 CAs on every new connection.
 * Throws ConfigError (the process stays down, see main.ts) when the file cannot be read or holds no certificate.
 */
export function tlsTrust(
  variable: string,
  caFile: string | undefined,
  roots?: readonly string[],
): Pick<tls.ConnectionOptions, 'rejectUnauthorized' | 'secureContext'> {
  if (!caFile) return { rejectUnauthorized: true };
  let trusted: string[];
  try {
    trusted = [...(roots ?? defaultTrustedCas()), ...parsePemBundle(fs.readFileSync(caFile, 'utf8'), caFile)];
  } catch (err) {
    throw new ConfigError({ invalid: [`${variable} '${caFile}' is not usable: ${(err as Error).message}`] });
  }
  return {
    rejectUnauthorized: true,
    secureContext: tls.createSecureContext({ ca: trusted }),
  };
}
