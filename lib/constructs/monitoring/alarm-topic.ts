/*
 * The one alarm topic of a stack (INV-OBS): KMS-encrypted under a customer managed key (an AWS managed
 * SNS key refuses CloudWatch), TLS-only, subscribed from config. `routeAlarmsIn(scope)` is the only way
 * an alarm reaches it: every CloudWatch alarm in the scope, wherever it is made, notifies the topic on
 * ALARM and on OK, so the on-call also learns when a page is over.
 */
import { Annotations, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

export interface AlarmTopicProps {
  /** Display name of the topic (the sender name of e-mail notifications). */
  readonly displayName: string;
  /** Description of the topic's key. */
  readonly keyDescription: string;
  /** E-mail addresses to subscribe. @default none */
  readonly emailAddresses?: readonly string[];
  /** HTTPS endpoints to subscribe. @default none */
  readonly httpsEndpoints?: readonly string[];
}

export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;
  /** Customer managed key of the topic (rotation on); CloudWatch of this account may use it. */
  public readonly key: kms.Key;
  private readonly action: cwActions.SnsAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', { description: props.keyDescription, enableKeyRotation: true });
    // CloudWatch publishes alarm notifications as its service principal, so it needs the key; the
    // source-account condition keeps another account's alarms from using it (confused deputy).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    // 'Default' keeps the topic's logical id where it was before this construct existed (a new id would
    // replace the topic and ask every e-mail subscriber to confirm again).
    this.topic = new sns.Topic(this, 'Default', {
      displayName: props.displayName,
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emailAddresses ?? []) {
      this.topic.addSubscription(new subs.EmailSubscription(email));
    }
    for (const url of props.httpsEndpoints ?? []) {
      this.topic.addSubscription(new subs.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    this.action = new cwActions.SnsAction(this.topic);
  }

  /**
   * Every alarm in `scope` (made before or after this call) notifies the topic on ALARM and OK. Call it
   * once per stack, on the stack: an alarm must not be routed a second time by hand.
   */
  public routeAlarmsIn(scope: IConstruct): void {
    Aspects.of(scope).add(new RouteAlarms(this.action), { priority: AspectPriority.MUTATING });
  }
}

/** Adds the action to every L2 alarm; an L1 alarm is refused, since its actions are not ours to merge. */
class RouteAlarms {
  constructor(private readonly action: cloudwatch.IAlarmAction) {}

  public visit(node: IConstruct): void {
    if (node instanceof cloudwatch.Alarm || node instanceof cloudwatch.CompositeAlarm) {
      node.addAlarmAction(this.action);
      node.addOkAction(this.action);
    } else if (node instanceof cloudwatch.CfnAlarm && !(node.node.scope instanceof cloudwatch.Alarm)) {
      Annotations.of(node).addError(
        'A CfnAlarm is not routed to the alarm topic: make it a cloudwatch.Alarm so AlarmTopic.routeAlarmsIn adds its ALARM and OK actions',
      );
    }
  }
}
