import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { AlarmTopic } from '../../lib/constructs/monitoring';

const metric = new cloudwatch.Metric({
  namespace: 'Test',
  metricName: 'Errors',
  period: Duration.minutes(1),
});

/** Stands in for a construct that makes its own alarm and knows nothing of the topic. */
class SomeConstruct extends Construct {
  public readonly alarm: cloudwatch.Alarm;
  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.alarm = metric.createAlarm(this, 'Alarm', { threshold: 1, evaluationPeriods: 1 });
  }
}

function stackWithTopic(): { stack: Stack; topic: AlarmTopic } {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'S', {
    env: { account: '222222222222', region: 'eu-west-1' },
  });
  const topic = new AlarmTopic(stack, 'AlarmTopic', { displayName: 'd', keyDescription: 'k' });
  return { stack, topic };
}

describe('AlarmTopic.routeAlarmsIn', () => {
  test('GIVEN alarms made before and after the call, in other constructs THEN each notifies the topic on ALARM and OK, once', () => {
    const { stack, topic } = stackWithTopic();
    new SomeConstruct(stack, 'Before');
    topic.routeAlarmsIn(stack);
    new SomeConstruct(stack, 'After');
    new cloudwatch.CompositeAlarm(stack, 'Composite', {
      alarmRule: cloudwatch.AlarmRule.anyOf(
        metric.createAlarm(stack, 'Inner', { threshold: 2, evaluationPeriods: 1 }),
      ),
    });

    const template = Template.fromStack(stack);
    const topicRef = { Ref: stack.getLogicalId(topic.topic.node.defaultChild as CfnElement) };
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(3);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
      expect(alarm.Properties.OKActions).toEqual([topicRef]);
    }
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmActions: [topicRef],
      OKActions: [topicRef],
    });
  });

  test('GIVEN an L1 CfnAlarm THEN synth reports an error naming the fix (its actions are not merged silently)', () => {
    const { stack, topic } = stackWithTopic();
    new cloudwatch.CfnAlarm(stack, 'Raw', {
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      threshold: 1,
      metricName: 'Errors',
      namespace: 'Test',
      period: 60,
      statistic: 'Sum',
    });
    topic.routeAlarmsIn(stack);
    Annotations.fromStack(stack).hasError('/S/Raw', Match.stringLikeRegexp('make it a cloudwatch.Alarm'));
  });

  test('THEN the key lets only CloudWatch of its own account decrypt and generate data keys', () => {
    const { stack } = stackWithTopic();
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' } },
          },
        ]),
      },
    });
  });
});
