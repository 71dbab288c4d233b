import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { resourcesOfType, synthApp, type SynthesizedApp } from '../helpers/app';
import { azsOf, only, privateRouteAzs, refId, subnets } from '../helpers/invariants';

let synth: SynthesizedApp;
beforeAll(() => {
  // The construct tree too (the alarm topics below): the run's shared defaultApp() has only the
  // templates. The built-in CloudFormation validator's findings are asserted with cfn-lint's, in
  // test/app/cloudformation-contract.int.test.ts.
  synth = synthApp();
});

const roles = [
  ['primary', 'ha-ref-primary'],
  ['secondary', 'ha-ref-secondary'],
] as const;

describe.each(roles)('%s regional stack', (role, name) => {
  const tpl = () => synth.json[name];
  const template = () => synth.templates[role];
  const azs = () =>
    [...(role === 'primary' ? synth.config.primary : synth.config.dr).availabilityZones].sort();

  describe('INV-NET network', () => {
    test('every AZ has a public, a private-with-egress and an isolated subnet', () => {
      const byType = new Map<string, string[]>();
      for (const { az, type } of subnets(tpl()).values()) byType.set(type, [...(byType.get(type) ?? []), az]);
      expect([...byType.keys()].sort()).toEqual(['Isolated', 'Private', 'Public']);
      for (const list of byType.values()) expect([...list].sort()).toEqual(azs());
    });

    test('one NAT gateway per AZ, each private subnet routed through the NAT of its own AZ', () => {
      const nats = resourcesOfType(tpl(), 'AWS::EC2::NatGateway');
      expect(
        azsOf(
          tpl(),
          nats.map(([, p]) => p.SubnetId),
        ),
      ).toEqual(azs());
      expect(nats).toHaveLength(azs().length);
      const routes = privateRouteAzs(tpl());
      expect(routes.map((r) => r.subnetAz).sort()).toEqual(azs());
      for (const r of routes) expect(r.natAz).toBe(r.subnetAz);
    });

    test('VPC flow logs capture all traffic to an encrypted log group', () => {
      const [, flowLog] = only(tpl(), 'AWS::EC2::FlowLog');
      expect(flowLog.TrafficType).toBe('ALL');
      const groups = resourcesOfType(tpl(), 'AWS::Logs::LogGroup').filter(
        ([id]) => id === refId(flowLog.LogGroupName),
      );
      expect(groups[0][1].KmsKeyId).toBeDefined();
    });

    test('S3 gateway and SSM/Secrets Manager interface endpoints remove the NAT dependence', () => {
      const services = resourcesOfType(tpl(), 'AWS::EC2::VPCEndpoint').map(([, p]) =>
        JSON.stringify(p.ServiceName),
      );
      for (const svc of ['.s3', '.ssm"', '.ssmmessages', '.ec2messages', '.secretsmanager']) {
        expect(services.some((s) => s.includes(svc))).toBe(true);
      }
    });
  });

  describe('INV-ALB load balancer', () => {
    test('internet-facing, in every AZ public subnet, deletion protection, access logs, zonal shift', () => {
      const [, alb] = only(tpl(), 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      expect(alb.Scheme).toBe('internet-facing');
      expect(azsOf(tpl(), alb.Subnets)).toEqual(azs());
      for (const ref of alb.Subnets) expect(subnets(tpl()).get(refId(ref))!.type).toBe('Public');
      const attrs = Object.fromEntries(alb.LoadBalancerAttributes.map((a: any) => [a.Key, a.Value]));
      expect(attrs).toMatchObject({
        'deletion_protection.enabled': 'true',
        'access_logs.s3.enabled': 'true',
        'zonal_shift.config.enabled': 'true',
        'routing.http.drop_invalid_header_fields.enabled': 'true',
      });
    });

    test('HTTPS listener with a TLS 1.2+ policy and an ACM certificate; HTTP only redirects to HTTPS', () => {
      const listeners = resourcesOfType(tpl(), 'AWS::ElasticLoadBalancingV2::Listener').map(([, p]) => p);
      expect(listeners).toHaveLength(2);
      const https = listeners.find((l) => l.Protocol === 'HTTPS');
      expect(https.Port).toBe(443);
      expect(https.SslPolicy).toMatch(/^ELBSecurityPolicy-(TLS13-1-2|TLS-1-2|FS-1-2)/);
      expect(https.Certificates).toHaveLength(1);
      const http = listeners.find((l) => l.Protocol === 'HTTP');
      expect(http.DefaultActions).toEqual([
        expect.objectContaining({
          Type: 'redirect',
          RedirectConfig: expect.objectContaining({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }),
        }),
      ]);
    });

    test('certificate covers the public name and the regional name, DNS-validated', () => {
      const [, cert] = only(tpl(), 'AWS::CertificateManager::Certificate');
      const region = role === 'primary' ? synth.config.primary.region : synth.config.dr.region;
      expect(cert.DomainName).toBe(synth.config.dns.recordName);
      expect(cert.SubjectAlternativeNames).toContain(`${region}.${synth.config.dns.recordName}`);
      expect(cert.ValidationMethod).toBe('DNS');
    });

    test('target group checks the shallow /healthz every 5-10 s with unhealthy threshold 2', () => {
      const [, tg] = only(tpl(), 'AWS::ElasticLoadBalancingV2::TargetGroup');
      expect(tg.HealthCheckPath).toBe('/healthz');
      expect(tg.HealthCheckIntervalSeconds).toBeGreaterThanOrEqual(5);
      expect(tg.HealthCheckIntervalSeconds).toBeLessThanOrEqual(10);
      expect(tg.UnhealthyThresholdCount).toBe(2);
      const attrs = Object.fromEntries(tg.TargetGroupAttributes.map((a: any) => [a.Key, a.Value]));
      expect(Number(attrs['deregistration_delay.timeout_seconds'])).toBeLessThanOrEqual(60);
      // Gray failures: automatic target weights takes a target that answers errors out while /healthz passes.
      expect(attrs['load_balancing.algorithm.type']).toBe('weighted_random');
      expect(attrs['load_balancing.algorithm.anomaly_mitigation']).toBe('on');
    });
  });

  describe('INV-ASG fleet', () => {
    const asg = () => only(tpl(), 'AWS::AutoScaling::AutoScalingGroup')[1];
    const asgResource = () =>
      Object.values(tpl().Resources).find((r) => r.Type === 'AWS::AutoScaling::AutoScalingGroup') as any;

    test('one ASG spans every AZ private subnet with MinSize >= minPerAz x AZs, and at least 2 per AZ', () => {
      expect(azsOf(tpl(), asg().VPCZoneIdentifier)).toEqual(azs());
      expect([...asg().AvailabilityZones].sort()).toEqual(azs());
      for (const ref of asg().VPCZoneIdentifier) expect(subnets(tpl()).get(refId(ref))!.type).toBe('Private');
      expect(Number(asg().MinSize)).toBeGreaterThanOrEqual(synth.config.fleet.minPerAz * azs().length);
      expect(Number(asg().MinSize)).toBeGreaterThanOrEqual(2 * azs().length);
      expect(Number(asg().MaxSize)).toBeGreaterThan(Number(asg().MinSize));
    });

    test('static stability: losing the fullest AZ still leaves minPerAz x (AZs - 1) instances', () => {
      const minSize = Number(asg().MinSize);
      const n = asg().AvailabilityZones.length;
      // Balanced distribution places at most ceil(MinSize / AZs) of the minimum in any one AZ.
      expect(asg().AvailabilityZoneDistribution.CapacityDistributionStrategy).toBe('balanced-best-effort');
      const leftAfterLosingOne = minSize - Math.ceil(minSize / n);
      expect(leftAfterLosingOne).toBeGreaterThanOrEqual(synth.config.fleet.minPerAz * (n - 1));
      expect(leftAfterLosingOne).toBeGreaterThanOrEqual(2 * (n - 1));
    });

    test('AZ impairment: the group is registered with ARC zonal shift, impaired-zone behaviour from config', () => {
      expect(asg().AvailabilityZoneImpairmentPolicy).toEqual({
        ZonalShiftEnabled: true,
        ImpairedZoneHealthCheckBehavior: synth.config.fleet.impairedZoneHealthCheck,
      });
    });

    test('balanced best-effort distribution, ELB health checks with a grace period', () => {
      expect(asg().AvailabilityZoneDistribution).toEqual({
        CapacityDistributionStrategy: 'balanced-best-effort',
      });
      expect(asg().HealthCheckType).toBe('ELB');
      expect(asg().HealthCheckGracePeriod).toBeGreaterThan(0);
    });

    test('mixed-instances policy over at least two instance types', () => {
      const overrides = asg().MixedInstancesPolicy.LaunchTemplate.Overrides;
      expect(new Set(overrides.map((o: any) => o.InstanceType)).size).toBeGreaterThanOrEqual(2);
    });

    test('rolling replacement keeps minimum in service and waits for each success signal', () => {
      const policy = asgResource().UpdatePolicy.AutoScalingRollingUpdate;
      expect(policy.WaitOnResourceSignals).toBe(true);
      expect(Number(policy.MinInstancesInService)).toBe(Number(asg().MinSize));
      expect(Number(policy.MinInstancesInService)).toBeLessThan(Number(asg().MaxSize));
      expect(asgResource().CreationPolicy.ResourceSignal.Count).toBe(Number(asg().MinSize));
    });

    test('target tracking on ALB request count per target', () => {
      const policies = resourcesOfType(tpl(), 'AWS::AutoScaling::ScalingPolicy').map(([, p]) => p);
      expect(
        policies.some(
          (p) =>
            p.PolicyType === 'TargetTrackingScaling' &&
            p.TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType ===
              'ALBRequestCountPerTarget',
        ),
      ).toBe(true);
    });

    test('launch template: IMDSv2 required, encrypted gp3 root, no SSH key, no public IP', () => {
      const data = only(tpl(), 'AWS::EC2::LaunchTemplate')[1].LaunchTemplateData;
      expect(data.MetadataOptions.HttpTokens).toBe('required');
      expect(data.KeyName).toBeUndefined();
      expect(data.BlockDeviceMappings).toEqual([
        expect.objectContaining({ Ebs: expect.objectContaining({ Encrypted: true, VolumeType: 'gp3' }) }),
      ]);
      for (const ni of data.NetworkInterfaces ?? []) expect(ni.AssociatePublicIpAddress).not.toBe(true);
    });

    test('instances accept traffic only from the ALB security group (no SSH, nothing public)', () => {
      const ingress = resourcesOfType(tpl(), 'AWS::EC2::SecurityGroupIngress').map(([, p]) => p);
      const groups = resourcesOfType(tpl(), 'AWS::EC2::SecurityGroup');
      const instanceSg = groups.find(([, p]) => /only the ALB/.test(p.GroupDescription))!;
      const toInstances = ingress.filter((i) => i.GroupId?.['Fn::GetAtt']?.[0] === instanceSg[0]);
      expect(toInstances.length).toBeGreaterThan(0);
      for (const rule of toInstances) {
        expect(rule.SourceSecurityGroupId).toBeDefined();
        expect(rule.CidrIp).toBeUndefined();
        expect(rule.FromPort).not.toBe(22);
      }
      expect(instanceSg[1].SecurityGroupIngress).toBeUndefined();
    });

    test('instance role: SSM core access, no admin or wildcard actions', () => {
      const roles = resourcesOfType(tpl(), 'AWS::IAM::Role').filter(([, p]) =>
        JSON.stringify(p.AssumeRolePolicyDocument).includes('ec2.amazonaws.com'),
      );
      expect(roles).toHaveLength(1);
      expect(JSON.stringify(roles[0][1].ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');
      for (const [, policy] of resourcesOfType(tpl(), 'AWS::IAM::Policy')) {
        for (const s of policy.PolicyDocument.Statement) {
          for (const a of [s.Action].flat()) expect(a).not.toMatch(/^\*$|:\*$/);
        }
      }
    });
  });

  describe('data tier wiring', () => {
    const sgId = (description: RegExp) =>
      resourcesOfType(tpl(), 'AWS::EC2::SecurityGroup').find(([, p]) =>
        description.test(p.GroupDescription),
      )![0];
    const ingressTo = (groupId: string) =>
      resourcesOfType(tpl(), 'AWS::EC2::SecurityGroupIngress')
        .map(([, p]) => p)
        .filter((i) => i.GroupId?.['Fn::GetAtt']?.[0] === groupId);

    test('the cache accepts only security-group sources on 6379, the fleet among them', () => {
      const cacheSg = resourcesOfType(tpl(), 'AWS::ElastiCache::ReplicationGroup')[0][1].SecurityGroupIds[0][
        'Fn::GetAtt'
      ][0];
      const rules = ingressTo(cacheSg);
      const fleetSg = sgId(/only the ALB/);
      expect(rules.map((r) => r.SourceSecurityGroupId['Fn::GetAtt'][0])).toContain(fleetSg);
      for (const r of rules) {
        expect(r.CidrIp).toBeUndefined();
        expect([r.FromPort, r.ToPort]).toEqual([6379, 6379]);
      }
    });

    test('the database entry point admits the fleet on 5432 and no address range', () => {
      const fleetSg = sgId(/only the ALB/);
      const fromFleet = resourcesOfType(tpl(), 'AWS::EC2::SecurityGroupIngress')
        .map(([, p]) => p)
        .filter((i) => i.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] === fleetSg && i.FromPort === 5432);
      expect(fromFleet).toHaveLength(1);
      for (const [, g] of resourcesOfType(tpl(), 'AWS::EC2::SecurityGroup')) {
        for (const rule of g.SecurityGroupIngress ?? []) {
          if (rule.FromPort === 5432 || rule.FromPort === 6379) expect(rule.CidrIp).toBeUndefined();
        }
      }
    });

    test('instances find endpoints and secret names in SSM, never a secret value', () => {
      const params = Object.fromEntries(
        resourcesOfType(tpl(), 'AWS::SSM::Parameter').map(([, p]) => [
          String(p.Name).split('/').pop(),
          p.Value,
        ]),
      );
      for (const name of [
        'DB_WRITER_HOST',
        'DB_READER_HOST',
        'DB_PORT',
        'DB_NAME',
        'DB_SECRET_ID',
        'REDIS_NODES',
        'REDIS_TLS',
        'REDIS_SECRET_ID',
        'REGION_ROLE',
      ]) {
        expect(params[name]).toBeDefined();
      }
      expect(params.REGION_ROLE).toBe(role);
      expect(params.DB_SECRET_ID).toBe(`${synth.config.appName}/db/app-user`);
      expect(JSON.stringify(params)).not.toMatch(/SecretString|password/i);
    });

    test('the instance role reads exactly the app-user secret and the cache AUTH token, never the master secret', () => {
      const t = template();
      const secrets = t.findResources('AWS::SecretsManager::Secret');
      const attachments = t.findResources('AWS::SecretsManager::SecretTargetAttachment');
      // A grant names a secret by Ref (to it or to its attachment) or, in DR, by its name's ARN.
      const secretName = (resource: any): string => {
        if (typeof resource === 'string') return /:secret:(.+)-\?{6}$/.exec(resource)![1];
        const id: string = attachments[resource.Ref]?.Properties.SecretId.Ref ?? resource.Ref;
        return secrets[id].Properties.Name ?? secrets[id].Properties.Description;
      };
      const instancePolicies = t.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^FleetInstanceRole') }] },
      });
      const read = Object.values(instancePolicies)
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .filter((s: any) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
        .flatMap((s: any) => [s.Resource].flat())
        .map(secretName);
      const app = synth.config.appName;
      expect(read.sort()).toEqual([`${app}/db/app-user`, `AUTH token of ${app}-cache`].sort());
      if (role === 'primary') {
        // The master secret is in this template, so the exact list above really leaves it out.
        expect(Object.values(secrets).map((x) => x.Properties.Name)).toContain(`${app}/db/master`);
      }
    });

    test('the failover runbook lives in every region (a failover runs in the region it promotes)', () => {
      const runbooks = resourcesOfType(tpl(), 'AWS::Lambda::Function').filter(
        ([, p]) => p.FunctionName === `${synth.config.appName}-failover-runbook`,
      );
      expect(runbooks).toHaveLength(1);
    });
  });

  describe('operational Lambdas (AWS Control Tower CT.LAMBDA.PR.3)', () => {
    test('the snapshot functions and the runbook run in every AZ private subnet, HTTPS out only', () => {
      const fns = resourcesOfType(tpl(), 'AWS::Lambda::Function').filter(([id]) =>
        /^Snapshots|^FailoverRunbook/.test(id),
      );
      expect(fns).toHaveLength(5);
      const groups = new Map(resourcesOfType(tpl(), 'AWS::EC2::SecurityGroup'));
      for (const [id, fn] of fns) {
        expect({ id, subnets: azsOf(tpl(), fn.VpcConfig.SubnetIds) }).toEqual({ id, subnets: azs() });
        for (const ref of fn.VpcConfig.SubnetIds)
          expect(subnets(tpl()).get(refId(ref))!.type).toBe('Private');
        for (const sgRef of fn.VpcConfig.SecurityGroupIds) {
          const sg = groups.get(sgRef['Fn::GetAtt'][0])!;
          expect(sg.SecurityGroupIngress).toBeUndefined();
          expect(sg.SecurityGroupEgress).toEqual([
            expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
          ]);
        }
      }
    });
  });

  describe('INV-DNS failover', () => {
    test('exactly one HTTPS health check of this region, on the deep readiness path, with SNI', () => {
      const [, hc] = only(tpl(), 'AWS::Route53::HealthCheck');
      const c = hc.HealthCheckConfig;
      const region = role === 'primary' ? synth.config.primary.region : synth.config.dr.region;
      expect(c.Type).toBe('HTTPS');
      expect(c.FullyQualifiedDomainName).toBe(`${region}.${synth.config.dns.recordName}`);
      expect(c.EnableSNI).toBe(true);
      expect(c.RequestInterval).toBe(synth.config.dns.healthCheck.requestIntervalSeconds);
      expect(c.FailureThreshold).toBe(synth.config.dns.healthCheck.failureThreshold);
      expect(c.Regions.length).toBeGreaterThanOrEqual(3);
      expect(c.MeasureLatency).toBe(false);
      // PRIMARY must take writes; the SECONDARY only needs to serve.
      expect(c.ResourcePath).toBe(role === 'primary' ? '/readyz?role=writer' : '/readyz');
    });

    test('exactly one failover alias record of the right role, carrying this region health check', () => {
      const records = resourcesOfType(tpl(), 'AWS::Route53::RecordSet').map(([, p]) => p);
      const failover = records.filter((r) => r.Failover);
      expect(failover).toHaveLength(1);
      const [record] = failover;
      expect(record.Name).toBe(`${synth.config.dns.recordName}.`);
      expect(record.Failover).toBe(role === 'primary' ? 'PRIMARY' : 'SECONDARY');
      const [hcId] = only(tpl(), 'AWS::Route53::HealthCheck');
      expect(refId(record.HealthCheckId)).toBe(hcId);
      expect(record.AliasTarget.EvaluateTargetHealth).toBe(true);
      // Alias to the ALB: no TTL of our own (Route 53 uses the ALB's 60 s).
      expect(record.TTL).toBeUndefined();
      expect(record.HostedZoneId).toBe(synth.config.dns.hostedZoneId);
    });
  });
});

describe('us-east-1 monitoring stack', () => {
  test('is pinned to us-east-1 and holds one status alarm per regional health check', () => {
    expect(synth.globalMonitoring.region).toBe('us-east-1');
    const alarms = resourcesOfType(synth.json['ha-ref-global-monitoring'], 'AWS::CloudWatch::Alarm').map(
      ([, p]) => p,
    );
    expect(alarms).toHaveLength(2);
    const sources = alarms.map((a) => a.Dimensions[0].Value['Fn::GetStackOutput'].StackName).sort();
    expect(sources).toEqual(['ha-ref-primary', 'ha-ref-secondary']);
    for (const a of alarms) {
      expect(a.MetricName).toBe('HealthCheckStatus');
      expect(a.Namespace).toBe('AWS/Route53');
      expect(a.ComparisonOperator).toBe('LessThanThreshold');
    }
  });

  test('the DR stack is deployed after the primary', () => {
    expect(synth.secondary.dependencies.map((s) => s.stackName)).toContain('ha-ref-primary');
  });
});

describe('INV-OBS alarm routing', () => {
  const stacks = () =>
    [
      [synth.primary, synth.primary.monitoring.alarmTopic],
      [synth.secondary, synth.secondary.monitoring.alarmTopic],
      [synth.globalMonitoring, synth.globalMonitoring.alarmTopic],
    ] as const;

  test('every alarm of both regional stacks and the global stack notifies its stack topic on ALARM and OK', () => {
    for (const [stack, alarmTopic] of stacks()) {
      const topic = { Ref: stack.getLogicalId(alarmTopic.topic.node.defaultChild as CfnElement) };
      const alarms = resourcesOfType(synth.json[stack.stackName], 'AWS::CloudWatch::Alarm');
      expect(alarms.length).toBeGreaterThan(0);
      for (const [id, alarm] of alarms) {
        expect({ id, alarm: alarm.AlarmActions, ok: alarm.OKActions }).toEqual({
          id,
          alarm: [topic],
          ok: [topic],
        });
      }
    }
    // Alarms made outside Monitoring are among them: snapshot freshness/DLQ, per-AZ outliers, WAF, the peer canary.
    const secondaryIds = resourcesOfType(synth.json['ha-ref-secondary'], 'AWS::CloudWatch::Alarm').map(
      ([id]) => id,
    );
    for (const prefix of [
      'SnapshotsFreshnessAlarm',
      'SnapshotsFailureAlarm',
      'AzOutliersOutlier1',
      'PeerCanaryAlarm',
    ]) {
      expect(secondaryIds.some((id) => id.startsWith(prefix))).toBe(true);
    }
  });

  test("each stack topic's key lets CloudWatch of this account only use it", () => {
    for (const role of ['primary', 'secondary', 'globalMonitoring'] as const) {
      synth.templates[role].hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: { StringEquals: { 'aws:SourceAccount': synth.config.primary.account } },
            }),
          ]),
        },
      });
    }
  });
});
