import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { AzOutlierAlarms, type AzOutlierAlarmsProps } from '../../lib/constructs/az-outlier-alarms';

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
type Json = Record<string, any>;

function alarms(props: Partial<AzOutlierAlarmsProps> = {}): Json[] {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Outliers', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 3, natGateways: 0 });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  new AzOutlierAlarms(stack, 'AzOutliers', { loadBalancer, availabilityZones: AZS, ...props });
  return Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
}

/** Per-minute values of the alarm's inputs for one AZ (`e`, `r`, `l`) and the whole ALB (`ea`, `ra`, `la`). */
interface Minute {
  readonly e: number;
  readonly r: number;
  readonly l: number;
  readonly ea: number;
  readonly ra: number;
  readonly la: number;
}

/**
 * Evaluates the alarm's synthesized metric-math expression for one minute: IF/AND/OR/MAX([...]) are
 * CloudWatch's; FILL(x, 0) leaves a present value as it is.
 */
function evaluate(alarm: Json, m: Minute): number {
  const metrics = alarm.Properties.Metrics as Json[];
  const expression = metrics.find((x) => x.ReturnData !== false)!.Expression as string;
  const js = expression
    .replace(/\bIF\(/g, 'iff(')
    .replace(/\bAND\b/g, '&&')
    .replace(/\bOR\b/g, '||')
    .replace(/MAX\(\[([^\]]+)\]\)/g, 'Math.max($1)');
  // Inputs are the ids the expression names; each FILL(id0, 0) wrapper passes its metric through.
  const iff = (c: boolean, a: number, b: number) => (c ? a : b);
  // The expression is the synthesized template's own text, translated to JavaScript: evaluating it is the point.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('iff', ...Object.keys(m), `return ${js};`)(iff, ...Object.values(m)) as number;
}

describe('AzOutlierAlarms', () => {
  const [first] = alarms();

  test('GIVEN one alarm per AZ THEN each reads its own AZ beside the whole ALB, and names the zonal shift', () => {
    const all = alarms();
    expect(all).toHaveLength(3);
    AZS.forEach((az) => {
      const alarm = all.find((a) => JSON.stringify(a.Properties.Metrics).includes(az))!;
      expect(JSON.stringify(alarm.Properties.AlarmDescription)).toContain('start-zonal-shift');
      expect(alarm.Properties).toMatchObject({
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
      });
    });
  });

  test.each<[string, number, Minute]>([
    ['one AZ answers 20 % 5xx, the others none', 1, { e: 40, r: 200, l: 0.05, ea: 40, ra: 600, la: 0.05 }],
    [
      'every AZ answers 20 % 5xx (a regional problem, not an AZ)',
      0,
      { e: 40, r: 200, l: 0.05, ea: 120, ra: 600, la: 0.05 },
    ],
    [
      'one AZ fails but sees too few requests to judge',
      0,
      { e: 5, r: 10, l: 0.05, ea: 5, ra: 400, la: 0.05 },
    ],
    [
      'one AZ is slow (median 3 s) while the ALB median is 0.3 s',
      1,
      { e: 0, r: 200, l: 3, ea: 0, ra: 600, la: 0.3 },
    ],
    ['everything is slow alike', 0, { e: 0, r: 200, l: 3, ea: 0, ra: 600, la: 2.9 }],
    ['a few 5xx under the threshold', 0, { e: 4, r: 200, l: 0.05, ea: 4, ra: 600, la: 0.05 }],
  ])('GIVEN %s THEN the expression gives %d', (_case, expected, minute) => {
    expect(evaluate(first, minute)).toBe(expected);
  });

  test.each([
    [{ availabilityZones: ['us-east-1a'] }, /1 AZ\(s\); an outlier needs at least 2 AZs/],
    [{ errorPercentThreshold: 0 }, /errorPercentThreshold = 0; must be between 0 and 100/],
  ])('GIVEN bad props %j THEN construction fails naming them', (props, message) => {
    expect(() => alarms(props)).toThrow(message);
  });
});
