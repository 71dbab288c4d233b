/**
 * The boot path as synthesized: the user data, the agent config it writes, the unit it installs,
 * what the ASG waits for, and what the public listener forwards. drill:boot executes the same user
 * data against local servers; these checks are the fast, template-level half.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { agentConfigProblems, agentLogGroups } from '../../drill/boot/agent-schema';
import { stackName } from '../../lib/config';
import { defaultApp, resourcesOfType, type SynthesizedTemplates } from '../helpers/app';

/** The service's exit code for invalid configuration (EX_CONFIG; service/README.md): restarting cannot fix it. */
const EXIT_CONFIG_INVALID = 78;
/** The paths the public contract (README) exposes through the internet-facing listener. */
const PUBLIC_PATHS = ['/api/*', '/healthz', '/readyz'];

let synth: SynthesizedTemplates;
beforeAll(() => {
  synth = defaultApp();
});

type Json = Record<string, any>;

/** The user data with each intrinsic replaced by a marker naming it (`<<Ref:Id>>`). */
function userDataOf(template: Json): { text: string; refs: string[] } {
  const [, lt] = resourcesOfType(template as never, 'AWS::EC2::LaunchTemplate')[0];
  const parts = lt.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1] as unknown[];
  const refs: string[] = [];
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const ref = (p as Json).Ref as string;
      refs.push(ref);
      return `<<Ref:${ref}>>`;
    })
    .join('');
  return { text, refs };
}

/** The JSON written by `cat > <path> <<'EOF'` … `EOF` in the user data. */
function heredoc(text: string, path: string): string {
  const m = new RegExp(`cat > ${path.replace(/[.]/g, '\\.')} <<'?EOF'?\\n([\\s\\S]*?)\\nEOF`).exec(text);
  if (!m) throw new Error(`no heredoc for ${path} in the user data`);
  return m[1];
}

describe.each(['primary', 'secondary'] as const)('%s region boot path', (role) => {
  const json = (): Json => synth.json[stackName(synth.config, role)];
  const template = (): Template => synth.templates[role];

  test('GIVEN the agent config the boot writes THEN it is valid against the agent schema facts', () => {
    const config = JSON.parse(
      heredoc(userDataOf(json()).text, '/opt/aws/amazon-cloudwatch-agent/etc/ha-service.json'),
    );
    expect(agentConfigProblems(config)).toEqual([]);
    expect(config.logs.metrics_collected.prometheus.prometheus_config_path).toBe(
      '/opt/aws/amazon-cloudwatch-agent/etc/prometheus.yaml',
    );
  });

  test('GIVEN the agent config THEN every log group it ships to is one the instance role may write', () => {
    const config = JSON.parse(
      heredoc(userDataOf(json()).text, '/opt/aws/amazon-cloudwatch-agent/etc/ha-service.json'),
    );
    const groups = agentLogGroups(config);
    expect(groups).toHaveLength(2);
    // The policy names each group by Fn::GetAtt <LogGroup>.Arn; the config by <<Ref:LogGroup>>.
    const policies = resourcesOfType(json() as never, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('FleetInstanceRole'),
    );
    const writable = new Set<string>();
    for (const [, p] of policies) {
      for (const st of p.PolicyDocument.Statement as Json[]) {
        const actions = [st.Action].flat();
        if (!actions.includes('logs:PutLogEvents')) continue;
        for (const r of [st.Resource].flat()) if (r['Fn::GetAtt']) writable.add(r['Fn::GetAtt'][0]);
      }
    }
    for (const group of groups) {
      const ref = /^<<Ref:(.+)>>$/.exec(group)?.[1];
      expect(ref).toBeDefined(); // never a hard-coded name the role cannot write
      expect(writable).toContain(ref);
    }
  });

  test('GIVEN the unit THEN it re-reads the parameters before every start and never gives up on missing ones', () => {
    const unit = heredoc(userDataOf(json()).text, '/etc/systemd/system/ha-service.service');
    expect(unit).toMatch(/^ExecStartPre=\+\/opt\/ha-service\/fetch-env$/m);
    expect(unit).toMatch(/^StartLimitIntervalSec=0$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(new RegExp(`^RestartPreventExitStatus=${EXIT_CONFIG_INVALID}$`, 'm'));
    expect(unit).toMatch(/^User=ha-service$/m);
    const fetch = heredoc(userDataOf(json()).text, '/opt/ha-service/fetch-env');
    expect(fetch).toContain('get-parameters-by-path --region');
    expect(fetch).toMatch(/mv "\$tmp" \/etc\/ha-service\/env$/m);
  });

  test('GIVEN the boot THEN a failed first start of the unit does not abort it: the health wait decides', () => {
    // Without --no-block `systemctl start` fails when the first ExecStartPre fails (systemd/systemd#11868)
    // while systemd keeps restarting the unit; under set -e the boot would stop there and signal failure.
    const { text } = userDataOf(json());
    expect(text).toMatch(/^systemctl enable --now --no-block ha-service$/m);
    expect(text.indexOf('systemctl enable --now --no-block ha-service')).toBeLessThan(
      text.indexOf('until curl'),
    );
  });

  test('GIVEN the downloaded bundle THEN the boot parses it with node before running it, and trusts RDS and public roots', () => {
    const { text } = userDataOf(json());
    const download = /aws s3 cp 's3:\/\/[^']+\/([0-9a-f]{64})(\.[a-z]+)' '\/opt\/ha-service\/index.js'/.exec(
      text,
    );
    expect(download?.[2]).toBe('.js');
    expect(text).toContain('"$node_bin" --check /opt/ha-service/index.js');
    expect(text).toContain(
      'cat /etc/pki/tls/certs/ca-bundle.crt /etc/ha-service/rds-ca.pem > /etc/ha-service/db-ca.pem',
    );
    expect(heredoc(text, '/etc/ha-service/static.env')).toMatch(
      /^DB_SSL_CA_FILE=\/etc\/ha-service\/db-ca\.pem$/m,
    );
  });

  test('GIVEN the ASG THEN it is created after the runtime parameters, the data tier and its NAT routes', () => {
    const [, asg] = Object.entries(json().Resources as Json).find(
      ([, r]) => r.Type === 'AWS::AutoScaling::AutoScalingGroup',
    )!;
    const dependsOn = new Set<string>(asg.DependsOn);
    const ofType = (type: string) =>
      Object.entries(json().Resources as Json)
        .filter(([, r]) => r.Type === type)
        .map(([id]) => id);
    for (const id of ofType('AWS::SSM::Parameter').filter((p) => p.startsWith('RuntimeParameters')))
      expect(dependsOn).toContain(id);
    for (const id of ofType('AWS::ElastiCache::ReplicationGroup')) expect(dependsOn).toContain(id);
    for (const id of ofType('AWS::RDS::DBCluster')) expect(dependsOn).toContain(id);
    const natRoutes = Object.entries(json().Resources as Json)
      .filter(([, r]) => r.Type === 'AWS::EC2::Route' && r.Properties.NatGatewayId)
      .map(([id]) => id);
    expect(natRoutes.length).toBeGreaterThan(0);
    for (const id of natRoutes) expect(dependsOn).toContain(id);
  });

  test('GIVEN the default config THEN a web ACL protects the ALB and its blocked-requests alarm notifies the topic', () => {
    const [albId] = Object.entries(json().Resources as Json).find(
      ([, r]) => r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    )!;
    template().hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: { Ref: albId } });
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'BlockedRequests',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }],
    });
  });

  test('GIVEN the HTTPS listener THEN only the public paths reach the instances and the rest answers 404', () => {
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      DefaultActions: [
        Match.objectLike({
          Type: 'fixed-response',
          FixedResponseConfig: Match.objectLike({ StatusCode: '404' }),
        }),
      ],
    });
    const rules = resourcesOfType(json() as never, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    const forwarded = rules.flatMap(([, r]) =>
      (r.Conditions as Json[]).flatMap((c) => c.PathPatternConfig?.Values ?? c.Values ?? []),
    );
    expect(new Set(forwarded)).toEqual(new Set(PUBLIC_PATHS));
    expect(forwarded).not.toContain('/metrics');
  });
});
