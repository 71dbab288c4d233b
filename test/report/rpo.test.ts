import { StackModel, type AppModel, type StackInput } from '../../lib/checks';
import { recoveryPoints } from '../../lib/report';
import { auroraSecondary, auroraWriter, snapshotSchedule, stack } from './fixtures';

const app = (...stacks: StackInput[]): AppModel => ({ stacks: stacks.map((s) => new StackModel(s)) });

describe('recoveryPoints', () => {
  test('GIVEN a writer snapshotted rate(12 hours) WHEN modeled THEN logical-corruption RPO is 12 h in-region and 12 h + copy (1 h) in DR', () => {
    const rpo = recoveryPoints(
      app(stack('p', 'us-east-1', auroraWriter(), snapshotSchedule('rate(12 hours)'))),
      true,
    );
    expect(rpo.logicalCorruption?.inRegion.seconds).toBe(43200);
    expect(rpo.logicalCorruption?.crossRegion.seconds).toBe(43200 + 3600);
    expect(rpo.logicalCorruption?.inRegion.terms[0].source).toEqual({
      kind: 'template',
      refs: ['p/SnapshotRule.ScheduleExpression'],
    });
    expect(rpo.logicalCorruption?.pointInTime?.seconds).toBe(300);
  });

  test('GIVEN a Global Database WHEN modeled THEN region-loss RPO is the ~1 s replication lag', () => {
    const rpo = recoveryPoints(
      app(stack('p', 'us-east-1', auroraWriter(), snapshotSchedule('rate(1 day)'))),
      true,
    );
    expect(rpo.regionLoss).toMatchObject({ basis: 'global-database' });
    expect(rpo.regionLoss?.sum.seconds).toBe(1);
  });

  test('GIVEN no Global Database WHEN modeled THEN region-loss RPO falls back to the newest snapshot copy', () => {
    const rpo = recoveryPoints(
      app(stack('p', 'us-east-1', auroraWriter(), snapshotSchedule('rate(1 day)'))),
      false,
    );
    expect(rpo.regionLoss).toMatchObject({ basis: 'snapshot-copy' });
    expect(rpo.regionLoss?.sum.seconds).toBe(86400 + 3600);
  });

  test('GIVEN the schedule only in a stack whose cluster is a Global Database secondary WHEN modeled THEN no corruption RPO is claimed', () => {
    const rpo = recoveryPoints(
      app(stack('s', 'us-west-2', auroraSecondary('g'), snapshotSchedule('rate(1 day)'))),
      false,
    );
    expect(rpo.logicalCorruption).toBeUndefined();
    expect(rpo.regionLoss).toBeUndefined();
  });

  test('GIVEN a cron schedule it cannot bound WHEN modeled THEN no corruption RPO is claimed', () => {
    const rpo = recoveryPoints(
      app(stack('p', 'us-east-1', auroraWriter(), snapshotSchedule('cron(0 3 ? * MON *)'))),
      true,
    );
    expect(rpo.logicalCorruption).toBeUndefined();
  });
});
