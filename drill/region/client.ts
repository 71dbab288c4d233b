/**
 * The users' side of DNS: every attempt resolves the public name through the user's own resolver cache (the
 * Route 53 stand-in with the alias TTL) and goes to the balancer of the region the answer names. Each attempt is
 * recorded with its region, so the drill can tell which region acknowledged each write (two writers?).
 */
import { performance } from 'node:perf_hooks';
import { HttpClient, type HttpResult, type SendOptions } from '../load';
import type { Side } from './global-database';
import type { Route53StandIn } from './route53';

export interface AttemptRecord {
  readonly at: number;
  readonly side: Side;
  readonly method: 'GET' | 'POST';
  readonly status: number;
  /** A write acknowledged by this attempt (201, or 200 replaying an earlier attempt's write). */
  readonly ackedWrite: boolean;
}

export class DnsRoutedClient extends HttpClient {
  readonly attempts: AttemptRecord[] = [];

  constructor(
    private readonly dns: Route53StandIn,
    private readonly regions: Record<Side, HttpClient>,
  ) {
    super('http://127.0.0.1:1'); // never used: every request goes to a region's client
  }

  override async send(method: 'GET' | 'POST', path: string, opts: SendOptions): Promise<HttpResult> {
    // Users are identified by their session; setup calls without one share a resolver.
    const side: Side = this.dns.resolve(opts.token ?? 'setup') === 'PRIMARY' ? 'primary' : 'dr';
    const r = await this.regions[side].send(method, path, opts);
    this.attempts.push({
      at: performance.now(),
      side,
      method,
      status: r.status,
      ackedWrite: method === 'POST' && (r.status === 201 || (r.status === 200 && r.replayed === true)),
    });
    return r;
  }

  override close(): void {
    for (const c of Object.values(this.regions)) c.close();
  }
}

/**
 * Pure: did two regions acknowledge writes at once? True when the region that acknowledged writes before the
 * promotion (`from`) still acknowledged one after the first write the promoted region (`to`) acknowledged.
 */
export function twoWriters(
  attempts: readonly AttemptRecord[],
  from: Side,
  to: Side,
): { overlapMs: number } | undefined {
  const acks = attempts.filter((a) => a.ackedWrite);
  const firstNew = acks.find((a) => a.side === to)?.at;
  if (firstNew === undefined) return undefined;
  const lastOld = acks.filter((a) => a.side === from).at(-1)?.at;
  return lastOld !== undefined && lastOld > firstNew
    ? { overlapMs: Math.round(lastOld - firstNew) }
    : undefined;
}
