import { buildReport, presenceChecks, verdictOf, type InvariantCheck } from '../../lib/report';
import { fleet, network, ref, stack, type Resources } from './fixtures';

const check = (status: InvariantCheck['status'], level: InvariantCheck['level']): InvariantCheck => ({
  ruleId: 'R',
  origin: 'rule-pack',
  level,
  stackName: 's',
  logicalId: 'L',
  resourceType: 'T',
  status,
  message: '',
});

describe('verdictOf', () => {
  test('GIVEN no checks THEN not-applicable; GIVEN an acknowledged finding THEN pass', () => {
    expect(verdictOf([])).toBe('not-applicable');
    expect(verdictOf([check('pass', 'error'), check('acknowledged', 'error')])).toBe('pass');
  });

  test('GIVEN only a warning-level failure THEN warn; GIVEN an error-level failure THEN fail', () => {
    expect(verdictOf([check('pass', 'error'), check('fail', 'warning')])).toBe('warn');
    expect(verdictOf([check('fail', 'warning'), check('fail', 'error')])).toBe('fail');
  });
});

describe('buildReport invariants (rule pack findings per region)', () => {
  // MinSize 2 over 2 AZs breaks RES-ASG2 (≥ 2 per AZ); the bare subnets break RES-NET1 (tiers).
  const report = buildReport([
    stack('east', 'us-east-1', network(['us-east-1a', 'us-east-1b']), fleet({ azCount: 2, minSize: 2 })),
    stack('west', 'us-west-2', network(['us-west-2a', 'us-west-2b']), fleet({ azCount: 2, minSize: 4 })),
  ]);
  const inv = (region: string, id: string) =>
    report.regions.find((r) => r.region === region)?.invariants.find((i) => i.invariant === id);

  test('GIVEN a group with 1 instance per AZ in us-east-1 WHEN reported THEN INV-ASG fails there with RES-ASG2 on that group', () => {
    const asg = inv('us-east-1', 'INV-ASG');
    expect(asg?.verdict).toBe('fail');
    expect(
      asg?.checks.filter((c) => c.status === 'fail').map((c) => [c.ruleId, c.stackName, c.logicalId]),
    ).toEqual([['RES-ASG2', 'east', 'Group']]);
    expect(report.invariantsPass).toBe(false);
  });

  test('GIVEN 2 per AZ in us-west-2 WHEN reported THEN RES-ASG2 passes there (regions are judged apart)', () => {
    expect(inv('us-west-2', 'INV-ASG')?.checks.find((c) => c.ruleId === 'RES-ASG2')?.status).toBe('pass');
  });

  test('GIVEN no database WHEN reported THEN INV-DB is not applicable and every invariant of docs/architecture.md is listed', () => {
    expect(inv('us-east-1', 'INV-DB')?.verdict).toBe('not-applicable');
    expect(report.regions[0].invariants.map((i) => i.invariant)).toEqual([
      'INV-NET',
      'INV-ALB',
      'INV-ASG',
      'INV-DB',
      'INV-CACHE',
      'INV-DNS',
      'INV-BACKUP',
      'INV-OBS',
      'INV-CHAOS',
      'INV-BOOT',
    ]);
  });
});

describe('presenceChecks (INV-OBS, INV-CHAOS)', () => {
  const observed: Resources = {
    Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
    Dashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
    Alarm5xx: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmActions: [ref('Topic')],
        Metrics: [{ Id: 'e', MetricStat: { Metric: { MetricName: 'HTTPCode_ELB_5XX_Count' } } }],
      },
    },
    AlarmHosts: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { AlarmActions: [ref('Topic')], MetricName: 'UnHealthyHostCount' },
    },
  };
  const chaos = (stopped: boolean): Resources => ({
    Terminate: {
      Type: 'AWS::FIS::ExperimentTemplate',
      Properties: {
        Actions: {
          a: { ActionId: 'aws:ec2:terminate-instances' },
          b: { ActionId: 'aws:network:disrupt-connectivity' },
        },
        StopConditions: stopped
          ? [{ Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': ['Alarm5xx', 'Arn'] } }]
          : [{ Source: 'none' }],
      },
    },
    Autoshift: {
      Type: 'AWS::ARCZonalShift::ZonalAutoshiftConfiguration',
      Properties: { ResourceIdentifier: ref('LoadBalancer'), ZonalAutoshiftStatus: 'ENABLED' },
    },
  });
  const base = [network(['a1', 'a2']), fleet({ azCount: 2 })];

  test('GIVEN a fleet with a 5xx alarm, unhealthy-host alarm and dashboard WHEN checked THEN INV-OBS checks pass', () => {
    const checks = presenceChecks([stack('s', 'eu-west-1', ...base, observed)]).filter(
      (c) => c.invariant === 'INV-OBS',
    );
    expect(checks.map((c) => [c.ruleId, c.status])).toEqual([
      ['REPORT-OBS1', 'pass'],
      ['REPORT-OBS2', 'pass'],
      ['REPORT-OBS3', 'pass'],
    ]);
  });

  test('GIVEN a 5xx alarm that notifies nobody and no dashboard WHEN checked THEN those checks fail', () => {
    const silent: Resources = {
      ...observed,
      Alarm5xx: { ...observed.Alarm5xx, Properties: { MetricName: 'HTTPCode_Target_5XX_Count' } },
    };
    delete silent.Dashboard;
    const failing = presenceChecks([stack('s', 'eu-west-1', ...base, silent)]).filter(
      (c) => c.status === 'fail',
    );
    expect(failing.map((c) => c.ruleId)).toEqual(expect.arrayContaining(['REPORT-OBS1', 'REPORT-OBS3']));
  });

  test('GIVEN FIS templates stopped by an alarm and autoshift on WHEN checked THEN INV-CHAOS checks pass', () => {
    const checks = presenceChecks([stack('s', 'eu-west-1', ...base, observed, chaos(true))]).filter(
      (c) => c.invariant === 'INV-CHAOS',
    );
    expect(checks.map((c) => [c.ruleId, c.status])).toEqual([
      ['REPORT-CHAOS1', 'pass'],
      ['REPORT-CHAOS2', 'pass'],
      ['REPORT-CHAOS3', 'pass'],
    ]);
  });

  test('GIVEN a FIS template without an alarm stop condition WHEN checked THEN REPORT-CHAOS1 fails on it', () => {
    const failing = presenceChecks([stack('s', 'eu-west-1', ...base, observed, chaos(false))]).filter(
      (c) => c.status === 'fail',
    );
    expect(failing.map((c) => [c.ruleId, c.logicalId])).toEqual([['REPORT-CHAOS1', 'Terminate']]);
  });

  test('GIVEN a Route 53 health check without a HealthCheckStatus alarm in us-east-1 WHEN checked THEN REPORT-OBS6 fails; with one THEN it passes', () => {
    const hc: Resources = {
      HealthCheck: { Type: 'AWS::Route53::HealthCheck', Properties: { HealthCheckConfig: {} } },
    };
    const alarm: Resources = {
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      HcAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          MetricName: 'HealthCheckStatus',
          AlarmActions: [ref('Topic')],
          Dimensions: [
            {
              Name: 'HealthCheckId',
              Value: { 'Fn::GetStackOutput': { StackName: 'dr', OutputName: 'HcOut' } },
            },
          ],
        },
      },
    };
    const dr = stack('dr', 'us-west-2', hc);
    const drWithOutput = {
      ...dr,
      template: { ...dr.template, Outputs: { HcOut: { Value: ref('HealthCheck') } } },
    };
    const without = presenceChecks([dr]).find((c) => c.ruleId === 'REPORT-OBS6');
    const withAlarm = presenceChecks([drWithOutput, stack('mon', 'us-east-1', alarm)]).find(
      (c) => c.ruleId === 'REPORT-OBS6',
    );
    expect(without?.status).toBe('fail');
    expect(withAlarm?.status).toBe('pass');
    expect(withAlarm?.message).toMatch(/mon\/HcAlarm/);
  });
});
