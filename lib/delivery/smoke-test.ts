import { CloudWatchClient, DescribeAlarmsCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckStatusCommand,
  ListHealthChecksCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { regionalRecordName, type AppConfig } from '../config';
import { READINESS_PATH, WRITER_READINESS_PATH } from '../constructs/dns-failover';
import { healthCheckAlarmName, ROUTE53_METRICS_REGION } from '../stacks/global-monitoring-stack';

/**
 * The smoke test after a deploy: what must be true of a healthy pair, read from outside.
 * - each region's `/readyz` answers 200; `/readyz?role=writer` answers 200 in the writer region and
 *   503 in the other (the writer check must pass where it must and fail where it must);
 * - each region has exactly one Route 53 health check on its regional name, healthy unless it
 *   requires a writer in a region that is not the writer;
 * - each us-east-1 health-check alarm is OK exactly when its health check is expected healthy.
 * Every check is retried until it passes or the deadline: alarms and checkers need a few minutes
 * after a first deploy.
 */

export interface EndpointExpectation {
  readonly region: string;
  readonly url: string;
  readonly status: 200 | 503;
}

export interface HealthCheckExpectation {
  readonly region: string;
  /** The regional name the check probes, e.g. us-east-1.app.example.com. */
  readonly fqdn: string;
  /** Whether the check must be healthy, given the path it probes (known only once it is found). */
  readonly healthyFor: (resourcePath: string) => boolean;
}

export interface AlarmExpectation {
  readonly region: string;
  readonly alarmName: string;
  /** The state, given whether its health check is expected healthy. */
  readonly stateFor: (checkHealthy: boolean) => StateValue;
}

export interface SmokePlan {
  readonly endpoints: readonly EndpointExpectation[];
  readonly healthChecks: readonly HealthCheckExpectation[];
  readonly alarms: readonly AlarmExpectation[];
}

/** Route 53 considers an endpoint healthy when more than 18 % of its checkers do. */
export const ROUTE53_HEALTHY_FRACTION = 0.18;

export function smokePlan(config: AppConfig): SmokePlan {
  const regions = [config.primary.region, config.dr.region];
  const isWriter = (region: string) => region === config.writerRegion;
  return {
    endpoints: regions.flatMap((region) => {
      const base = `https://${regionalRecordName(config, region)}`;
      return [
        { region, url: `${base}${READINESS_PATH}`, status: 200 as const },
        {
          region,
          url: `${base}${WRITER_READINESS_PATH}`,
          status: isWriter(region) ? (200 as const) : (503 as const),
        },
      ];
    }),
    healthChecks: regions.map((region) => ({
      region,
      fqdn: regionalRecordName(config, region),
      healthyFor: (resourcePath) => resourcePath !== WRITER_READINESS_PATH || isWriter(region),
    })),
    alarms: regions.map((region) => ({
      region,
      alarmName: healthCheckAlarmName(config.appName, region),
      stateFor: (checkHealthy) => (checkHealthy ? 'OK' : 'ALARM'),
    })),
  };
}

export interface SmokeResult {
  readonly check: string;
  readonly expected: string;
  readonly actual: string;
  readonly pass: boolean;
}

export interface SmokeDeps {
  readonly fetch: (
    url: string,
    init: { signal: AbortSignal; redirect: 'manual' },
  ) => Promise<{ status: number }>;
  readonly route53: Pick<Route53Client, 'send'>;
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

export interface SmokeOptions {
  /** Give up on a check that still fails after this long. @default 600_000 (10 min) */
  readonly deadlineMs?: number;
  /** Wait between attempts. @default 15_000 */
  readonly intervalMs?: number;
  /** Timeout of one HTTP request. @default 10_000 */
  readonly requestTimeoutMs?: number;
}

export function defaultSmokeDeps(): SmokeDeps {
  return {
    fetch: (url, init) => fetch(url, init),
    // Route 53's API is global and signed for us-east-1; its health-check alarms live there too.
    route53: new Route53Client({ region: ROUTE53_METRICS_REGION }),
    cloudwatch: new CloudWatchClient({ region: ROUTE53_METRICS_REGION }),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  };
}

interface FoundCheck {
  readonly id: string;
  readonly resourcePath: string;
}

async function healthChecksByFqdn(route53: SmokeDeps['route53']): Promise<Map<string, FoundCheck[]>> {
  const byFqdn = new Map<string, FoundCheck[]>();
  let marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await route53.send(new ListHealthChecksCommand({ Marker: marker, MaxItems: 100 }));
    for (const hc of out.HealthChecks ?? []) {
      const fqdn = hc.HealthCheckConfig?.FullyQualifiedDomainName?.toLowerCase();
      if (!hc.Id || !fqdn) continue;
      byFqdn.set(fqdn, [
        ...(byFqdn.get(fqdn) ?? []),
        { id: hc.Id, resourcePath: hc.HealthCheckConfig?.ResourcePath ?? '/' },
      ]);
    }
    if (!out.IsTruncated || !out.NextMarker) return byFqdn;
    marker = out.NextMarker;
  }
  throw new Error('ListHealthChecks returned more than 100 pages');
}

/** Runs `attempt` until it passes or the deadline passes; returns the last result. */
async function retried(
  deps: SmokeDeps,
  options: Required<SmokeOptions>,
  attempt: () => Promise<SmokeResult>,
): Promise<SmokeResult> {
  const deadline = deps.now() + options.deadlineMs;
  for (;;) {
    const result = await attempt();
    if (result.pass || deps.now() + options.intervalMs > deadline) return result;
    await deps.sleep(options.intervalMs);
  }
}

export async function runSmokeTest(
  plan: SmokePlan,
  deps: SmokeDeps,
  options: SmokeOptions = {},
): Promise<SmokeResult[]> {
  const opts: Required<SmokeOptions> = {
    deadlineMs: options.deadlineMs ?? 600_000,
    intervalMs: options.intervalMs ?? 15_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
  };
  const results: SmokeResult[] = [];

  for (const e of plan.endpoints) {
    results.push(
      await retried(deps, opts, async () => {
        let actual: string;
        try {
          const res = await deps.fetch(e.url, {
            signal: AbortSignal.timeout(opts.requestTimeoutMs),
            redirect: 'manual',
          });
          actual = String(res.status);
        } catch (err) {
          actual = `no answer (${(err as Error).message})`;
        }
        return {
          check: `GET ${e.url}`,
          expected: String(e.status),
          actual,
          pass: actual === String(e.status),
        };
      }),
    );
  }

  const expectedHealthy = new Map<string, boolean>();
  for (const h of plan.healthChecks) {
    results.push(
      await retried(deps, opts, async () => {
        const found = (await healthChecksByFqdn(deps.route53)).get(h.fqdn.toLowerCase()) ?? [];
        const check = `Route 53 health check on ${h.fqdn}`;
        if (found.length !== 1) {
          return {
            check,
            expected: 'exactly one health check',
            actual: `${found.length} found`,
            pass: false,
          };
        }
        const { id, resourcePath } = found[0];
        const healthy = h.healthyFor(resourcePath);
        expectedHealthy.set(h.region, healthy);
        const status = await deps.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }));
        const observations = status.HealthCheckObservations ?? [];
        const passing = observations.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length;
        const isHealthy = observations.length > 0 && passing / observations.length > ROUTE53_HEALTHY_FRACTION;
        return {
          check: `${check} (${resourcePath})`,
          expected: healthy ? 'healthy' : 'unhealthy',
          actual: `${isHealthy ? 'healthy' : 'unhealthy'} (${passing} of ${observations.length} checkers pass)`,
          pass: isHealthy === healthy,
        };
      }),
    );
  }

  for (const a of plan.alarms) {
    const checkHealthy = expectedHealthy.get(a.region);
    if (checkHealthy === undefined) {
      results.push({
        check: `alarm ${a.alarmName}`,
        expected: 'its health check found',
        actual: 'no health check',
        pass: false,
      });
      continue;
    }
    const expected = a.stateFor(checkHealthy);
    results.push(
      await retried(deps, opts, async () => {
        const out = await deps.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [a.alarmName] }));
        const state = out.MetricAlarms?.[0]?.StateValue ?? 'missing';
        return {
          check: `alarm ${a.alarmName} (${ROUTE53_METRICS_REGION})`,
          expected,
          actual: state,
          pass: state === expected,
        };
      }),
    );
  }
  return results;
}

export function renderSmokeResults(results: readonly SmokeResult[]): string {
  const failed = results.filter((r) => !r.pass).length;
  const row = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    `## Smoke test: ${failed === 0 ? 'PASS' : `FAIL (${failed} of ${results.length})`}`,
    '',
    row(['Check', 'Expected', 'Actual', 'Result']),
    row(['---', '---', '---', '---']),
    ...results.map((r) => row([r.check, r.expected, r.actual, r.pass ? 'PASS' : 'FAIL'])),
    '',
  ].join('\n');
}
