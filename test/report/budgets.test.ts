import {
  checkBudgets,
  type AzFailoverModel,
  type RegionFailoverModel,
  type RpoModel,
} from '../../lib/report';

const sumOf = (seconds: number) => ({ seconds, terms: [] });
const az = (upperSeconds: number, unresolved: string[] = []): AzFailoverModel => ({
  region: 'r',
  stackName: 's',
  components: [],
  userVisible: { typicalSeconds: upperSeconds, upperSeconds, boundedBy: 'x' },
  unresolved,
});
const region = (seconds: number, unresolved: string[] = []): RegionFailoverModel => ({
  fromRegion: 'r',
  toRegions: ['q'],
  stackName: 's',
  record: 'R',
  healthCheck: 'H',
  dns: sumOf(seconds),
  unresolved,
});
const rpo: RpoModel = {
  regionLoss: { basis: 'global-database', sum: sumOf(1), note: '' },
  logicalCorruption: {
    region: 'r',
    stackName: 's',
    schedule: 'rate(1 day)',
    inRegion: sumOf(86400),
    crossRegion: sumOf(90000),
  },
};
const byId = (checks: ReturnType<typeof checkBudgets>) => Object.fromEntries(checks.map((c) => [c.id, c]));

describe('checkBudgets', () => {
  test('GIVEN region 116 s and AZ 60 s WHEN checked THEN both are within the 120 s / 60 s budgets', () => {
    const b = byId(checkBudgets([az(60)], [region(116)], rpo));
    expect(b['BUDGET-REGION-RTO']).toMatchObject({ budget: 120, modeled: 116, pass: true });
    expect(b['BUDGET-AZ-RTO']).toMatchObject({ budget: 60, modeled: 60, pass: true });
    expect(b['BUDGET-RPO-REGION']).toMatchObject({ modeled: 1, pass: true });
    expect(b['BUDGET-RPO-CORRUPTION']).toMatchObject({ modeled: 86400, pass: true });
  });

  test('GIVEN region 156 s and an AZ at 61 s WHEN checked THEN both budgets fail, judged on the slowest model', () => {
    const b = byId(checkBudgets([az(25), az(61)], [region(156)], rpo));
    expect(b['BUDGET-REGION-RTO']).toMatchObject({ modeled: 156, pass: false });
    expect(b['BUDGET-AZ-RTO']).toMatchObject({ modeled: 61, pass: false });
  });

  test('GIVEN a model with unresolved values WHEN checked THEN its budget fails and the note names what is missing', () => {
    const b = byId(checkBudgets([az(10, ['interval not literal'])], [region(10, ['no health check'])], rpo));
    expect(b['BUDGET-AZ-RTO'].pass).toBe(false);
    expect(b['BUDGET-AZ-RTO'].note).toMatch(/interval not literal/);
    expect(b['BUDGET-REGION-RTO'].pass).toBe(false);
    expect(b['BUDGET-REGION-RTO'].note).toMatch(/no health check/);
  });

  test('GIVEN no models at all WHEN checked THEN every budget fails as not modeled', () => {
    const b = checkBudgets([], [], {});
    expect(b.map((c) => c.pass)).toEqual([false, false, false, false]);
    expect(b.every((c) => c.note.startsWith('not modeled'))).toBe(true);
  });

  test('GIVEN a snapshot-copy region-loss RPO WHEN checked THEN the ≈1 s budget fails', () => {
    const b = byId(
      checkBudgets([az(25)], [region(100)], {
        ...rpo,
        regionLoss: { basis: 'snapshot-copy', sum: sumOf(90000), note: '' },
      }),
    );
    expect(b['BUDGET-RPO-REGION'].pass).toBe(false);
  });
});
