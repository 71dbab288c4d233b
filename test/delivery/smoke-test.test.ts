import { CloudWatchClient, DescribeAlarmsCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckStatusCommand,
  ListHealthChecksCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../lib/config';
import { renderSmokeResults, runSmokeTest, smokePlan, type SmokeDeps } from '../../lib/delivery/smoke-test';

/**
 * The smoke test against a stand-in world: HTTP answers per URL, Route 53 health checks (with the
 * checkers' reports) and us-east-1 alarm states, all through the real SDK clients with their
 * `send` stubbed (aws-sdk-client-mock), and a fake clock so retries take no time.
 */
interface World {
  http: Record<string, number | Error>;
  checks: { id: string; fqdn: string; path: string; passing: number; of: number }[];
  alarms: Record<string, StateValue | StateValue[]>;
}

const route53 = mockClient(Route53Client);
const cloudwatch = mockClient(CloudWatchClient);
let clock = 0;
let sleeps = 0;

function depsFor(world: World): SmokeDeps {
  route53.reset();
  cloudwatch.reset();
  route53.on(ListHealthChecksCommand).resolves({
    HealthChecks: world.checks.map((c) => ({
      Id: c.id,
      CallerReference: c.id,
      HealthCheckVersion: 1,
      HealthCheckConfig: { Type: 'HTTPS', FullyQualifiedDomainName: c.fqdn, ResourcePath: c.path },
    })),
    IsTruncated: false,
    Marker: '',
    MaxItems: 100,
  });
  for (const c of world.checks) {
    route53.on(GetHealthCheckStatusCommand, { HealthCheckId: c.id }).resolves({
      HealthCheckObservations: Array.from({ length: c.of }, (_, i) => ({
        Region: 'us-east-1',
        StatusReport: {
          Status: i < c.passing ? 'Success: HTTP Status Code 200, OK' : 'Failure: HTTP Status Code 503',
        },
      })),
    });
  }
  for (const [name, states] of Object.entries(world.alarms)) {
    const seq = Array.isArray(states) ? [...states] : [states];
    cloudwatch.on(DescribeAlarmsCommand, { AlarmNames: [name] }).callsFake(() => ({
      MetricAlarms: [{ AlarmName: name, StateValue: seq.length > 1 ? seq.shift() : seq[0] }],
    }));
  }
  return {
    fetch: async (url) => {
      const answer = world.http[url];
      if (answer === undefined) throw new Error(`unexpected URL ${url}`);
      if (answer instanceof Error) throw answer;
      return { status: answer };
    },
    route53: new Route53Client({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    sleep: async (ms) => {
      sleeps++;
      clock += ms;
    },
    now: () => clock,
  };
}

beforeEach(() => {
  clock = 0;
  sleeps = 0;
});

const { config } = loadConfig();
const P = 'us-east-1.app.example.com';
const D = 'us-west-2.app.example.com';

function healthyPair(): World {
  return {
    http: {
      [`https://${P}/readyz`]: 200,
      [`https://${P}/readyz?role=writer`]: 200,
      [`https://${D}/readyz`]: 200,
      [`https://${D}/readyz?role=writer`]: 503,
    },
    checks: [
      { id: 'hc-p', fqdn: P, path: '/readyz?role=writer', passing: 8, of: 8 },
      { id: 'hc-d', fqdn: D, path: '/readyz', passing: 8, of: 8 },
    ],
    alarms: { 'ha-ref-health-check-us-east-1': 'OK', 'ha-ref-health-check-us-west-2': 'OK' },
  };
}

const failing = (results: { check: string; pass: boolean }[]) =>
  results.filter((r) => !r.pass).map((r) => r.check);

test('GIVEN a healthy pair WHEN the smoke test runs THEN every check passes at the first attempt', async () => {
  const results = await runSmokeTest(smokePlan(config), depsFor(healthyPair()));
  expect(failing(results)).toEqual([]);
  expect(results).toHaveLength(4 + 2 + 2);
  expect(sleeps).toBe(0);
  expect(renderSmokeResults(results)).toMatch(/^## Smoke test: PASS/);
});

test('GIVEN the DR region answers its writer check with 200 WHEN the smoke test runs THEN that check fails after retrying to the deadline', async () => {
  const world = healthyPair();
  world.http[`https://${D}/readyz?role=writer`] = 200;
  const results = await runSmokeTest(smokePlan(config), depsFor(world), {
    deadlineMs: 60_000,
    intervalMs: 15_000,
  });
  expect(failing(results)).toEqual([`GET https://${D}/readyz?role=writer`]);
  expect(results.find((r) => !r.pass)).toMatchObject({ expected: '503', actual: '200' });
  expect(sleeps).toBe(4);
  expect(renderSmokeResults(results)).toMatch(/^## Smoke test: FAIL \(1 of 8\)/);
});

test('GIVEN a region that does not answer WHEN the smoke test runs THEN its endpoints fail with the reason', async () => {
  const world = healthyPair();
  world.http[`https://${P}/readyz`] = new Error('getaddrinfo ENOTFOUND');
  const results = await runSmokeTest(smokePlan(config), depsFor(world), { deadlineMs: 0 });
  expect(results.find((r) => r.check === `GET https://${P}/readyz`)).toMatchObject({
    actual: 'no answer (getaddrinfo ENOTFOUND)',
    pass: false,
  });
});

test('GIVEN an alarm still in INSUFFICIENT_DATA after the deploy WHEN it turns OK later THEN the smoke test waits for it and passes', async () => {
  const world = healthyPair();
  world.alarms['ha-ref-health-check-us-west-2'] = ['INSUFFICIENT_DATA', 'ALARM', 'OK'];
  const results = await runSmokeTest(smokePlan(config), depsFor(world));
  expect(failing(results)).toEqual([]);
  expect(sleeps).toBe(2);
});

test('GIVEN a health check whose checkers mostly fail WHEN it is expected healthy THEN it fails, and so does an alarm in the wrong state', async () => {
  const world = healthyPair();
  world.checks[1].passing = 1; // 1 of 8 = 12.5 %: Route 53 needs more than 18 %
  world.alarms['ha-ref-health-check-us-east-1'] = 'ALARM';
  const results = await runSmokeTest(smokePlan(config), depsFor(world), { deadlineMs: 0 });
  expect(failing(results)).toEqual([
    `Route 53 health check on ${D} (/readyz)`,
    'alarm ha-ref-health-check-us-east-1 (us-east-1)',
  ]);
});

test('GIVEN two health checks on one regional name WHEN the smoke test runs THEN it fails and names the count', async () => {
  const world = healthyPair();
  world.checks.push({ id: 'hc-dup', fqdn: P, path: '/readyz', passing: 8, of: 8 });
  const results = await runSmokeTest(smokePlan(config), depsFor(world), { deadlineMs: 0 });
  expect(results.find((r) => r.check === `Route 53 health check on ${P}`)).toMatchObject({
    actual: '2 found',
    pass: false,
  });
  // Without its health check the alarm's expected state is unknown: reported, not guessed.
  expect(results.find((r) => r.check.startsWith('alarm ha-ref-health-check-us-east-1'))).toMatchObject({
    pass: false,
  });
});

test('GIVEN writerRegion moved to DR (after a failover) WHEN the smoke test runs THEN the writer checks and the primary alarm expect the opposite', async () => {
  const failedOver = loadConfig({ overrides: { writerRegion: 'us-west-2' } }).config;
  const world: World = {
    http: {
      [`https://${P}/readyz`]: 200,
      [`https://${P}/readyz?role=writer`]: 503,
      [`https://${D}/readyz`]: 200,
      [`https://${D}/readyz?role=writer`]: 200,
    },
    checks: [
      { id: 'hc-p', fqdn: P, path: '/readyz?role=writer', passing: 0, of: 8 },
      { id: 'hc-d', fqdn: D, path: '/readyz?role=writer', passing: 8, of: 8 },
    ],
    alarms: { 'ha-ref-health-check-us-east-1': 'ALARM', 'ha-ref-health-check-us-west-2': 'OK' },
  };
  const results = await runSmokeTest(smokePlan(failedOver), depsFor(world));
  expect(failing(results)).toEqual([]);
  // The same world judged with the primary as writer fails wherever the writer matters: both
  // writer endpoints, both writer-form checks (DR's claims a writer the config does not expect) and their alarms.
  const asBefore = await runSmokeTest(smokePlan(config), depsFor(world), { deadlineMs: 0 });
  expect(failing(asBefore)).toEqual([
    `GET https://${P}/readyz?role=writer`,
    `GET https://${D}/readyz?role=writer`,
    `Route 53 health check on ${P} (/readyz?role=writer)`,
    `Route 53 health check on ${D} (/readyz?role=writer)`,
    'alarm ha-ref-health-check-us-east-1 (us-east-1)',
    'alarm ha-ref-health-check-us-west-2 (us-east-1)',
  ]);
});
