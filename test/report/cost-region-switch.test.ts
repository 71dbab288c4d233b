import { StackModel, type AppModel, type StackInput } from '../../lib/checks';
import { DEFAULT_COST_ASSUMPTIONS } from '../../lib/config';
import { costModel, findPrice, type CostModel } from '../../lib/report';
import { stack, type Resources } from './fixtures';

// The optional ARC Region switch plan in the cost model: a flat monthly fee on the stack that holds it, and no
// double billing of what that stack's region already pays for.

function costOf(stacks: StackInput[]): CostModel {
  const app: AppModel = { stacks: stacks.map((s) => new StackModel(s)) };
  return costModel(app, { assumptions: DEFAULT_COST_ASSUMPTIONS, source: 'template' });
}
const lines = (m: CostModel, stackName: string, component: string) =>
  m.regions.find((r) => r.stackName === stackName)!.lines.filter((l) => l.component === component);

const replicatedSecret: Resources = {
  Secret: {
    Type: 'AWS::SecretsManager::Secret',
    Properties: { ReplicaRegions: [{ Region: 'us-west-2' }] },
  },
};
const plan: Resources = {
  Plan: { Type: 'AWS::ARCRegionSwitch::Plan', Properties: { Name: 'ha-ref-switch' } },
};

describe('cost of the ARC Region switch plan', () => {
  test('GIVEN a plan stack in the DR region THEN it costs the plan fee, and the DR replicas of primary secrets are billed once, on the DR stack', () => {
    const m = costOf([
      stack('p', 'us-east-1', replicatedSecret),
      stack('dr', 'us-west-2'),
      stack('switch', 'us-west-2', plan),
    ]);
    const fee = findPrice('arcRegionSwitchPlan')!;
    expect(fee).toEqual(expect.objectContaining({ usd: 70, unit: 'month' }));
    expect(lines(m, 'switch', 'ARC Region switch').map((l) => l.usdPerMonth)).toEqual([70]);
    expect(lines(m, 'dr', 'Secrets').map((l) => l.quantity)).toEqual([1]);
    expect(lines(m, 'switch', 'Secrets')).toEqual([]);
  });

  test('GIVEN no plan THEN there is no ARC line', () => {
    const m = costOf([stack('p', 'us-east-1', replicatedSecret), stack('dr', 'us-west-2')]);
    expect(m.regions.flatMap((r) => r.lines).filter((l) => l.component === 'ARC Region switch')).toEqual([]);
  });
});
