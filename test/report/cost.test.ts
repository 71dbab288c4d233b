import { StackModel, type AppModel, type StackInput } from '../../lib/checks';
import { DEFAULT_COST_ASSUMPTIONS } from '../../lib/config';
import { costModel, findPrice, HOURS_PER_MONTH, PRICE_TABLE, type CostModel } from '../../lib/report';
import { auroraSecondary, auroraWriter, dns, fleet, network, ref, stack, type Resources } from './fixtures';

/** Cost of stacks built from fixture parts (no synth). */
function costOf(stacks: StackInput[], assumptions = DEFAULT_COST_ASSUMPTIONS): CostModel {
  const app: AppModel = { stacks: stacks.map((s) => new StackModel(s)) };
  return costModel(app, { assumptions, source: 'template' });
}

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const usd = (m: CostModel, stackName: string, component: string) =>
  m.regions
    .find((r) => r.stackName === stackName)!
    .lines.filter((l) => l.component === component)
    .reduce((n, l) => n + l.usdPerMonth, 0);

/** A mixed-instances fleet of `type` (the fixture's group uses a launch template without a type). */
function typedFleet(minSize: number, type: string): Resources {
  const parts = fleet({ azCount: 3, minSize });
  const group = parts.Group.Properties as Record<string, unknown>;
  const { LaunchTemplate, ...rest } = group;
  parts.Group = {
    Type: 'AWS::AutoScaling::AutoScalingGroup',
    Properties: {
      ...rest,
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: LaunchTemplate,
          Overrides: [{ InstanceType: type }, { InstanceType: 'm7gd.large' }],
        },
      },
    },
  };
  return parts;
}

function dbInstances(n: number, cluster: string, cls = 'db.r6g.large'): Resources {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `Instance${cluster}${i}`,
      {
        Type: 'AWS::RDS::DBInstance',
        Properties: { DBClusterIdentifier: ref(cluster), DBInstanceClass: cls },
      },
    ]),
  );
}

describe('cost model (templates × price table)', () => {
  test('GIVEN twice the instances WHEN priced THEN the instance cost doubles, at the table price of the first override type', () => {
    const six = costOf([stack('s', 'us-east-1', network(AZS), typedFleet(6, 'm7g.large'))]);
    const twelve = costOf([stack('s', 'us-east-1', network(AZS), typedFleet(12, 'm7g.large'))]);
    expect(usd(twelve, 's', 'Instances')).toBeCloseTo(2 * usd(six, 's', 'Instances'), 6);
    expect(usd(six, 's', 'Instances')).toBeCloseTo(6 * HOURS_PER_MONTH * findPrice('ec2:m7g.large')!.usd, 6);
  });

  test('GIVEN an instance type the table does not list WHEN priced THEN it is named as unpriced, never silently $0', () => {
    const m = costOf([stack('s', 'us-east-1', network(AZS), typedFleet(6, 'x9z.huge'))]);
    expect(m.unpriced.join('\n')).toMatch(/x9z\.huge/);
  });

  test('GIVEN a headless secondary WHEN priced THEN it pays storage and replicated writes but no Aurora instance', () => {
    const writer = stack('p', 'us-east-1', auroraWriter({ global: 'g' }), dbInstances(2, 'Cluster'));
    const withReaders = costOf([
      writer,
      stack('d', 'us-west-2', auroraSecondary('g'), dbInstances(2, 'SecondaryCluster')),
    ]);
    const headless = costOf([writer, stack('d', 'us-west-2', auroraSecondary('g'))]);
    expect(usd(headless, 'd', 'Aurora instances')).toBe(0);
    expect(usd(withReaders, 'd', 'Aurora instances')).toBeGreaterThan(0);
    expect(usd(headless, 'd', 'Aurora storage')).toBeGreaterThan(0);
    expect(usd(headless, 'd', 'Global Database replication')).toBeGreaterThan(0);
  });

  test('GIVEN more database writes WHEN priced THEN only the Global Database replication line moves, up', () => {
    const stacks = () => [
      stack('p', 'us-east-1', auroraWriter({ global: 'g' })),
      stack('d', 'us-west-2', auroraSecondary('g')),
    ];
    const low = costOf(stacks());
    const high = costOf(stacks(), {
      ...DEFAULT_COST_ASSUMPTIONS,
      dbWriteGbPerMonth: DEFAULT_COST_ASSUMPTIONS.dbWriteGbPerMonth * 10,
    });
    expect(usd(high, 'd', 'Global Database replication')).toBeGreaterThan(
      usd(low, 'd', 'Global Database replication'),
    );
    expect(usd(high, 'd', 'Aurora storage')).toBe(usd(low, 'd', 'Aurora storage'));
  });

  test('GIVEN traffic WHEN priced THEN ALB capacity and egress are billed only where the PRIMARY record serves', () => {
    const serving = stack(
      'p',
      'us-east-1',
      network(AZS),
      fleet({ azCount: 3 }),
      dns({ role: 'PRIMARY', interval: 10, threshold: 2 }),
    );
    const standby = stack(
      'd',
      'us-west-2',
      network(AZS),
      fleet({ azCount: 3 }),
      dns({ role: 'SECONDARY', interval: 10, threshold: 2 }),
    );
    const base = costOf([serving, standby]);
    const busy = costOf([serving, standby], { ...DEFAULT_COST_ASSUMPTIONS, trafficGbPerMonth: 10_000 });
    expect(usd(busy, 'p', 'Data transfer out')).toBeGreaterThan(usd(base, 'p', 'Data transfer out'));
    expect(usd(busy, 'p', 'Load balancer')).toBeGreaterThan(usd(base, 'p', 'Load balancer'));
    expect(usd(busy, 'd', 'Data transfer out')).toBe(0);
    expect(usd(busy, 'd', 'Load balancer')).toBe(usd(base, 'd', 'Load balancer'));
  });

  test('GIVEN a secret replicated to another region WHEN priced THEN the replica is billed in the replica region', () => {
    const secret: Resources = {
      Secret: {
        Type: 'AWS::SecretsManager::Secret',
        Properties: { ReplicaRegions: [{ Region: 'us-west-2' }] },
      },
    };
    const m = costOf([stack('p', 'us-east-1', secret), stack('d', 'us-west-2', {})]);
    expect(usd(m, 'd', 'Secrets')).toBeCloseTo(findPrice('secret')!.usd, 6);
  });

  test('GIVEN a WAF web ACL WHEN priced THEN a WAF line appears (absent otherwise)', () => {
    const acl: Resources = { Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}] } } };
    expect(usd(costOf([stack('s', 'us-east-1', acl)]), 's', 'WAF')).toBeGreaterThan(0);
    expect(usd(costOf([stack('s', 'us-east-1', {})]), 's', 'WAF')).toBe(0);
  });

  test('GIVEN a region outside the price table WHEN priced THEN the model says its prices were not checked there', () => {
    const m = costOf([stack('s', 'eu-central-1', network(['eu-central-1a', 'eu-central-1b']))]);
    expect(m.notes.join('\n')).toMatch(/eu-central-1: priced at the .* rates/);
    expect(m.label).toMatch(/not a bill/);
  });

  test('GIVEN the price table THEN every price names its source page and the date it was checked', () => {
    for (const p of PRICE_TABLE) {
      expect(p.sourceUrl).toMatch(/^https:\/\//);
      expect(p.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.usd).toBeGreaterThan(0);
    }
  });
});
