import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { twoWriters, type AttemptRecord } from '../../drill/region/client';
import {
  checkStatus,
  failoverAnswer,
  HealthCheck,
  nextVerdict,
  probe,
  Route53StandIn,
} from '../../drill/region/route53';
import { modelSeconds, timings } from '../../drill/region/run';
import { constant } from '../../lib/report/constants';

const T = {
  intervalMs: 1_000,
  failureThreshold: 2,
  connectTimeoutMs: 400,
  responseTimeoutMs: 200,
  checkers: 3,
};

describe('Route 53 stand-in: the rules it copies', () => {
  test('GIVEN a healthy checker WHEN probes fail THEN it turns unhealthy only after failureThreshold consecutive failures', () => {
    let v = { healthy: true, streak: 0 };
    v = nextVerdict(v, false, 2);
    expect(v).toEqual({ healthy: true, streak: 1 });
    v = nextVerdict(v, true, 2); // an agreeing probe resets the streak
    expect(v).toEqual({ healthy: true, streak: 0 });
    v = nextVerdict(nextVerdict(v, false, 2), false, 2);
    expect(v).toEqual({ healthy: false, streak: 0 });
    expect(nextVerdict(nextVerdict(v, true, 2), true, 2).healthy).toBe(true);
  });

  test.each([
    [[true, false, false], { disabled: false, inverted: false }, true], // 1 of 3 > 18 %
    [[false, false, false], { disabled: false, inverted: false }, false],
    [[true, false, false, false, false, false], { disabled: false, inverted: false }, false], // 1 of 6 < 18 %
    [[false, false, false], { disabled: true, inverted: false }, true], // disabled counts as healthy
    [[true, true, true], { disabled: false, inverted: true }, false],
    [[true, true, true], { disabled: true, inverted: true }, false], // the fence: unhealthy whatever answers
    [[false, false, false], { disabled: true, inverted: true }, false],
  ])('GIVEN checker verdicts %j and flags %j THEN the check is healthy = %s', (verdicts, flags, healthy) => {
    expect(checkStatus(verdicts, flags)).toBe(healthy);
  });

  test.each([
    [true, true, 'PRIMARY'],
    [true, false, 'PRIMARY'],
    [false, true, 'SECONDARY'],
    [false, false, 'PRIMARY'], // both unhealthy: Route 53 answers the primary
  ] as const)(
    'GIVEN primary healthy %s and secondary healthy %s THEN the record answers %s',
    (p, s, answer) => {
      expect(failoverAnswer(p, s)).toBe(answer);
    },
  );

  test('GIVEN a user with a cached answer WHEN the record changes THEN the user keeps the old answer until the TTL ends', async () => {
    let now = 0;
    const primary = new HealthCheck('hc-p', 'p.example.com', 'http://127.0.0.1:1/', T, () => now);
    const secondary = new HealthCheck('hc-s', 's.example.com', 'http://127.0.0.1:1/', T, () => now);
    const r53 = new Route53StandIn(primary, secondary, 6_000, () => now);
    expect(r53.resolve('u1')).toBe('PRIMARY');
    const [check] = await r53.api().findByFqdn('p.example.com');
    await r53.api().setFenced(check, true);
    expect(primary.healthy).toBe(false);
    expect(r53.answer()).toBe('SECONDARY');
    // the first lookup's expiry lies somewhere within one TTL; a later one holds for exactly one TTL
    now = 6_001;
    expect(r53.resolve('u1')).toBe('SECONDARY');
    now = 12_000;
    expect(r53.resolve('u1')).toBe('SECONDARY');
    await expect(r53.api().setFenced(check, false)).rejects.toThrow(/HealthCheckVersionMismatch/);
  });
});

describe('Route 53 stand-in: probes', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('late'), 1_000);
      else if (req.url === '/down') res.writeHead(503).end();
      else res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  test.each([
    ['/readyz', true],
    ['/down', false],
    ['/slow', false], // answers after the response timeout
  ])('GIVEN %s THEN the probe passes = %s', async (path, ok) => {
    expect(await probe(`http://127.0.0.1:${port}${path}`, T)).toBe(ok);
  });

  test('GIVEN nothing listening THEN the probe fails', async () => {
    expect(await probe('http://127.0.0.1:1/readyz', T)).toBe(false);
  });
});

describe('two writers', () => {
  const ack = (at: number, side: 'primary' | 'dr'): AttemptRecord => ({
    at,
    side,
    method: 'POST',
    status: 201,
    ackedWrite: true,
  });

  test('GIVEN the old writer stopped acknowledging before the new one started THEN never two writers', () => {
    expect(twoWriters([ack(1, 'primary'), ack(2, 'primary'), ack(5, 'dr')], 'primary', 'dr')).toBeUndefined();
  });

  test('GIVEN the old writer acknowledged a write after the new one did THEN two writers, with the overlap', () => {
    expect(twoWriters([ack(1, 'primary'), ack(5, 'dr'), ack(7, 'primary')], 'primary', 'dr')).toEqual({
      overlapMs: 2,
    });
  });
});

describe('drill:region timings and model', () => {
  test("GIVEN the real timings THEN the model is the report's: 116 s to move reads when the database is lost, 86 s when the region is", () => {
    expect(modelSeconds(timings(1), 'db-lost').reads).toBe(116);
    expect(modelSeconds(timings(1), 'region-lost').reads).toBe(86);
    expect(timings(1).fenceDrainMs).toBe(70_000);
  });

  test('GIVEN pilot light THEN reads and writes wait for the Aurora instance the runbook adds, at every scale', () => {
    const create = constant('auroraInstanceCreate').value;
    for (const scale of [1, 10]) {
      const warm = modelSeconds(timings(scale), 'region-lost');
      const pilot = modelSeconds(timings(scale), 'region-lost', 'pilot-light');
      expect(pilot.reads - warm.reads).toBeCloseTo(create / scale, 0);
      expect(pilot.writes - warm.writes).toBeCloseTo(create / scale, 0);
    }
  });

  test('GIVEN the CI scale THEN every Route 53 timing is divided by 10', () => {
    expect(timings(10)).toEqual(
      expect.objectContaining({
        intervalMs: 1_000,
        connectTimeoutMs: 400,
        responseTimeoutMs: 200,
        ttlMs: 6_000,
        graceSeconds: 3,
        fenceDrainMs: 7_000,
      }),
    );
  });
});
