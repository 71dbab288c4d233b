import { dbBreakerStates, READ_LATENCY_BREAKER } from '../../drill/scenarios/metrics';
import { createMetrics } from '../../service/src/metrics';
import { FakeDatabase } from '../../service/test/fakes';
import { fleetLayout } from '../../drill/topology/fleet';
import { downEvents, haproxyConfig } from '../../drill/topology/haproxy';
import { writerOf } from '../../drill/topology/postgres';
import { parseClusterNodes } from '../../drill/topology/redis';
import { agentStatus } from '../../drill/topology/sidecar';

describe('haproxyConfig', () => {
  const cfg = haproxyConfig({
    albPort: 8000,
    instances: fleetLayout([9001, 9002, 9003, 9004, 9005, 9006]),
    writerHost: '127.0.0.1',
    readerHost: '127.0.0.2',
    dbFrontendPort: 7000,
    pgNodes: [
      { name: 'pg1', port: 5001, agentPort: 6001 },
      { name: 'pg2', port: 5002, agentPort: 6002 },
    ],
    adminSocket: '/tmp/x.sock',
  });

  test('GIVEN the ALB stand-in THEN it never retries or redispatches (users see every failure, as behind an ALB)', () => {
    expect(cfg).toMatch(/^\s*retries 0$/m);
    expect(cfg).not.toMatch(/redispatch/);
    expect(cfg).not.toMatch(/retry-on/);
  });

  test("GIVEN the fleet backend THEN every instance is checked on /healthz at the ALB's 5 s interval and 4 s timeout divided by 10 (500 ms start to start, 400 ms), down after 2, up after 2", () => {
    const fleet = cfg.split(/^backend fleet$/m)[1].split('\n\n')[0];
    expect(fleet).toContain('option httpchk GET /healthz');
    // HAProxy counts inter from a check's end: while failing, fastinter = interval - timeout keeps the ALB's
    // start-to-start interval, so a frozen target is out after 2 checks 500 ms apart, not 900 ms.
    expect(fleet).toContain('default-server inter 500ms fastinter 100ms fall 2 rise 2 weight 100');
    expect(fleet).toContain('timeout check 400ms');
    expect(fleet.match(/^\s+server az\d-[ab] 127\.0\.0\.1:900\d check$/gm)).toHaveLength(6);
  });

  test('GIVEN the database endpoints THEN the writer follows GET /primary, the reader prefers replicas, all on loopback', () => {
    expect(cfg).toContain('bind 127.0.0.1:7000');
    expect(cfg).toContain('bind 127.0.0.2:7000');
    const primary = cfg.split(/^backend pg_primary$/m)[1].split('\n\n')[0];
    expect(primary).toContain('option httpchk GET /primary');
    expect(primary).toContain('on-marked-down shutdown-sessions');
    expect(primary).toContain('server pg1 127.0.0.1:5001 check port 6001');
    expect(cfg).toContain('use_backend pg_replicas if { nbsrv(pg_replicas) gt 0 }');
    const binds = cfg.match(/bind (\S+):/g) ?? [];
    expect(binds.every((b) => /bind 127\./.test(b))).toBe(true);
  });
});

describe('haproxyConfig passive profile', () => {
  const input = {
    albPort: 8000,
    instances: fleetLayout([9001, 9002, 9003]),
    writerHost: '127.0.0.1',
    readerHost: '127.0.0.2',
    dbFrontendPort: 7000,
    pgNodes: [{ name: 'pg1', port: 5001, agentPort: 6001 }],
    adminSocket: '/tmp/x.sock',
  };

  test('GIVEN the default (ALB model) THEN no passive check; GIVEN passiveHealth THEN only connection errors mark down', () => {
    expect(haproxyConfig(input)).not.toMatch(/observe/);
    const passive = haproxyConfig({ ...input, passiveHealth: true });
    expect(passive).toContain(
      'default-server inter 500ms fastinter 100ms fall 2 rise 2 weight 100 observe layer4 error-limit 1 on-error mark-down',
    );
    // HTTP 5xx from the service (a database outage) must never take instances out: layer4 only.
    expect(passive).not.toMatch(/observe layer7/);
    // The database backends are unaffected by the profile.
    expect(passive.split(/^backend pg_primary$/m)[1]).not.toMatch(/observe/);
  });

  test('GIVEN weightedRandom (automatic target weights) THEN weighted random over weight 100 per instance, no passive mark-down; round robin otherwise; the database backends are untouched', () => {
    const weighted = haproxyConfig({ ...input, weightedRandom: true });
    const fleet = (cfg: string) => cfg.split(/^backend fleet$/m)[1].split('\n\n')[0];
    expect(fleet(weighted)).toMatch(/^ {2}balance random\(1\)$/m);
    expect(fleet(weighted)).toContain('fall 2 rise 2 weight 100');
    expect(fleet(haproxyConfig(input))).toMatch(/^ {2}balance roundrobin$/m);
    // Error answers lower a weight (target-weights.ts); they never mark a server down on their own.
    expect(weighted).not.toMatch(/observe/);
    for (const backend of ['pg_primary', 'pg_replicas']) {
      expect(weighted.split(new RegExp(`^backend ${backend}$`, 'm'))[1].split('\n\n')[0]).not.toMatch(
        /weight|random/,
      );
    }
  });
});

describe('fleetLayout', () => {
  test('GIVEN 6 ports THEN 2 instances in each of az1..az3', () => {
    const layout = fleetLayout([1, 2, 3, 4, 5, 6]);
    expect(layout.map((l) => l.name)).toEqual(['az1-a', 'az1-b', 'az2-a', 'az2-b', 'az3-a', 'az3-b']);
    expect(layout.filter((l) => l.az === 'az2').map((l) => l.port)).toEqual([3, 4]);
  });

  test('GIVEN 5 ports for 3 AZs THEN an error naming both numbers', () => {
    expect(() => fleetLayout([1, 2, 3, 4, 5])).toThrow(/5 instances cannot spread evenly over 3 AZs/);
  });
});

describe('parseClusterNodes', () => {
  test('GIVEN CLUSTER NODES output with a failed master THEN roles, slots and failure flags', () => {
    const text = [
      'a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460',
      'a2 127.0.0.1:7002@17002 master,fail - 1 0 2 disconnected 5461-10922',
      'a3 127.0.0.1:7003@17003 slave a1 0 1 3 connected',
      '',
    ].join('\n');
    expect(parseClusterNodes(text)).toEqual([
      { port: 7001, role: 'master', failed: false, hasSlots: true },
      { port: 7002, role: 'master', failed: true, hasSlots: true },
      { port: 7003, role: 'slave', failed: false, hasSlots: false },
    ]);
  });
});

describe('dbBreakerStates', () => {
  test('GIVEN breaker_state gauges THEN the open database breakers (open = 2), the cache breaker ignored', () => {
    const text = [
      '# HELP app_breaker_state 0 closed, 1 half-open, 2 open',
      'app_breaker_state{breaker="db-writer"} 2',
      'app_breaker_state{breaker="db-reader"} 1',
      'app_breaker_state{breaker="cache"} 2',
    ].join('\n');
    expect(dbBreakerStates(text)).toEqual({
      seen: ['db-writer', 'db-reader'],
      open: ['db-writer'],
      notClosed: ['db-writer', 'db-reader'],
    });
  });

  test("GIVEN the service's own /metrics with the read latency breaker open THEN the parser names it open", async () => {
    const db = new FakeDatabase();
    db.readLatencyState = 'open';
    const text = await createMetrics({ db, processMetrics: false }).registry.metrics();
    expect(dbBreakerStates(text)).toEqual({
      seen: [READ_LATENCY_BREAKER],
      open: [READ_LATENCY_BREAKER],
      notClosed: [READ_LATENCY_BREAKER],
    });
    db.readLatencyState = 'half_open';
    const probing = await createMetrics({ db, processMetrics: false }).registry.metrics();
    expect(dbBreakerStates(probing)).toMatchObject({ open: [], notClosed: [READ_LATENCY_BREAKER] });
  });

  test('GIVEN no breaker metric THEN nothing seen', () => {
    expect(dbBreakerStates('http_requests_total{route="/"} 3')).toEqual({
      seen: [],
      open: [],
      notClosed: [],
    });
  });
});

describe('downEvents', () => {
  test('GIVEN HAProxy warnings THEN the fleet servers taken out with their reasons, other backends ignored', () => {
    const log = [
      '[WARNING]  (1) : Server fleet/az1-a is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms.',
      '[WARNING]  (1) : Server pg_primary/pg1 is DOWN, reason: Layer7 wrong status, code: 503',
      '[WARNING]  (1) : Server fleet/az1-a is UP, reason: Layer7 check passed, code: 200',
      '[WARNING]  (1) : Server fleet/az3-b is DOWN, reason: Layer7 timeout, check duration: 1001ms.',
    ].join('\n');
    expect(downEvents(log, 'fleet')).toEqual(['az1-a (Layer4 connection problem)', 'az3-b (Layer7 timeout)']);
    expect(downEvents(log, 'pg_primary')).toEqual(['pg1 (Layer7 wrong status)']);
  });
});

describe('fencing: after a promotion the old primary is never the writer again', () => {
  test('GIVEN a fenced node THEN its agent never answers /primary 200, whatever it believes; /replica is unaffected', () => {
    expect(agentStatus('/primary', 'primary', false)).toBe(200);
    expect(agentStatus('/primary', 'primary', true)).toBe(503);
    expect(agentStatus('/replica', 'replica', true)).toBe(200);
    expect(agentStatus('/primary', 'replica', false)).toBe(503);
  });

  test('GIVEN a zombie old primary (pg1 resumed after pg2 was promoted: both answer as primary) THEN the writer, and so the repair source, is pg2', () => {
    const zombie = [
      { name: 'pg1', inRecovery: false },
      { name: 'pg2', inRecovery: false },
    ];
    expect(writerOf(zombie, 'pg2')).toBe('pg2');
    // the promoted node down: no writer at all rather than the zombie
    expect(writerOf([zombie[0], { name: 'pg2', inRecovery: undefined }], 'pg2')).toBeUndefined();
  });

  test('GIVEN no promotion THEN the one primary is the writer; two primaries are refused, not guessed', () => {
    expect(
      writerOf(
        [
          { name: 'pg1', inRecovery: false },
          { name: 'pg2', inRecovery: true },
        ],
        undefined,
      ),
    ).toBe('pg1');
    expect(() =>
      writerOf(
        [
          { name: 'pg1', inRecovery: false },
          { name: 'pg2', inRecovery: false },
        ],
        undefined,
      ),
    ).toThrow(/pg1 and pg2 both answer as primary/);
  });
});
