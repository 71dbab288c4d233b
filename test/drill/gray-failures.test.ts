/**
 * The pure parts the gray-failure scenarios depend on: the automatic target weights stand-in's decisions, the
 * HAProxy counters it reads, the nftables partition and the per-AZ users it matches on.
 */
import { azRunAs } from '../../drill/topology/fleet';
import { parseCounters } from '../../drill/topology/haproxy';
import { partitionRuleset, partitionTableName } from '../../drill/topology/partition';
import { ANOMALY_POLICY, decideWeights, type WindowCounts } from '../../drill/topology/target-weights';

const w = (server: string, answers: number, errors: number): WindowCounts => ({ server, answers, errors });
const fleet = (az2Errors: number): WindowCounts[] => [
  w('az1-a', 50, 0),
  w('az1-b', 50, 1),
  w('az2-a', 50, az2Errors),
  w('az2-b', 50, az2Errors),
  w('az3-a', 50, 0),
  w('az3-b', 50, 0),
];

describe('decideWeights (automatic target weights stand-in)', () => {
  test('GIVEN one AZ answering errors while the others do not THEN both its targets are mitigated, worst first', () => {
    const window = fleet(40);
    window[3] = w('az2-b', 50, 45);
    expect(decideWeights(window, new Set())).toEqual({ mitigate: ['az2-b', 'az2-a'], restore: [] });
  });

  test('GIVEN every target failing alike (a database failover: the writes fail everywhere) THEN nobody is mitigated', () => {
    const window = ['az1-a', 'az1-b', 'az2-a', 'az2-b', 'az3-a', 'az3-b'].map((s) => w(s, 50, 10));
    expect(decideWeights(window, new Set()).mitigate).toEqual([]);
  });

  test('GIVEN a target with a few errors, below the minimum share THEN it is left alone', () => {
    expect(decideWeights(fleet(5), new Set()).mitigate).toEqual([]);
  });

  test('GIVEN more outliers than the cap leaves room for THEN only up to half of the targets are mitigated (the ALB caps it too)', () => {
    // Servers a, b, ... where the first `failing` answer nothing but errors and the rest are healthy.
    const targets = (count: number, failing: number) =>
      Array.from({ length: count }, (_, i) => w(String.fromCharCode(97 + i), 50, i < failing ? 50 - i : 0));
    // Four of six failing is the majority, not outliers: the median is theirs, so nobody stands out.
    expect(decideWeights(targets(6, 4), new Set()).mitigate).toEqual([]);
    const three = targets(8, 3);
    expect(decideWeights(three, new Set(['x'])).mitigate).toEqual(['a', 'b', 'c']);
    expect(decideWeights(three, new Set(['x', 'y'])).mitigate).toEqual(['a', 'b']);
  });

  test('GIVEN too few answers in the window THEN the target is not judged', () => {
    const window = [
      ...fleet(0).slice(0, 5),
      w('az3-b', ANOMALY_POLICY.minAnswers - 1, ANOMALY_POLICY.minAnswers - 1),
    ];
    expect(decideWeights(window, new Set()).mitigate).toEqual([]);
  });

  test('GIVEN a mitigated target answering without errors THEN it is restored; with one error it stays mitigated', () => {
    const window = [...fleet(0).slice(0, 4), w('az3-a', 3, 0), w('az3-b', 3, 1)];
    const { restore, mitigate } = decideWeights(window, new Set(['az3-a', 'az3-b']));
    expect(restore).toEqual(['az3-a']);
    expect(mitigate).toEqual([]);
  });
});

describe('parseCounters (HAProxy show stat)', () => {
  const csv = [
    '# pxname,svname,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,eresp,status',
    'fleet,FRONTEND,0,900,0,0,30,0,0,OPEN',
    'fleet,az1-a,0,400,0,10,2,0,1,UP',
    'fleet,az2-a,0,100,0,0,28,0,5,UP',
    'fleet,BACKEND,0,500,0,10,30,0,6,UP',
    'pg_primary,pg1,,,,,,,0,UP',
    '',
  ].join('\n');

  test('GIVEN the stats CSV THEN answers count every status class and failed responses, errors 5xx and failed responses, for the backend only', () => {
    expect(parseCounters(csv, 'fleet')).toEqual([
      { server: 'az1-a', answers: 413, errors: 3 },
      { server: 'az2-a', answers: 133, errors: 33 },
    ]);
  });
});

describe('partitionRuleset (nftables)', () => {
  test('GIVEN the AZ users and the data-tier ports THEN one rule dropping only their outbound packets to those ports', () => {
    const rules = partitionRuleset('ha_drill_1', [61002], [5432, 7001, 7001]);
    expect(rules).toContain('table inet ha_drill_1 {');
    expect(rules).toContain('type filter hook output priority 0; policy accept;');
    // Original direction only: the instances' answers to the balancer (reply direction) still flow.
    expect(rules).toMatch(/meta skuid \{ 61002 \} tcp dport \{ 5432, 7001 \} ct direction original drop/);
    expect(rules.match(/drop/g)).toHaveLength(1);
  });

  test('GIVEN no users, no ports or a bad port THEN an error instead of a rule that cuts nothing or everything', () => {
    expect(() => partitionRuleset('t', [], [1])).toThrow(/at least one uid/);
    expect(() => partitionRuleset('t', [1], [])).toThrow(/at least one port/);
    expect(() => partitionRuleset('t', [1], [70_000])).toThrow(/70000 is not a TCP port/);
  });

  test('GIVEN two drill processes THEN two tables (a crashed run never collides with a new one)', () => {
    expect(partitionTableName(11)).not.toBe(partitionTableName(12));
  });
});

describe('azRunAs', () => {
  test('GIVEN root THEN one distinct unprivileged user per AZ; GIVEN not root THEN none', () => {
    const users = ['az1', 'az2', 'az3'].map((az) => azRunAs(az, true)!.uid);
    expect(new Set(users).size).toBe(3);
    expect(users.every((u) => u >= 1000)).toBe(true);
    expect(azRunAs('az2', false)).toBeUndefined();
    expect(() => azRunAs('us-east-1a', true)).toThrow(/not az<N>/);
  });
});
