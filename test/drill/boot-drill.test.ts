/**
 * The boot drill's own machinery (no servers, no namespaces): the intrinsic resolver, the systemd unit parser and
 * restart rules, the stand-ins' input checks, and what the drill reads from a template. npm run drill:boot runs
 * all of it against the synthesized templates (.ci/run).
 */
import {
  agentConfigPath,
  checkAgentConfig,
  checkCfnSignal,
  checkDnf,
  ec2MetadataAnswer,
  planCurl,
} from '../../drill/boot/checks';
import {
  referencesIn,
  resolveIntrinsics,
  UnresolvedReferenceError,
  type ResolveContext,
} from '../../drill/boot/intrinsics';
import {
  bootStepOf,
  drillValues,
  failingLine,
  isoDurationSeconds,
  logGroupOfArn,
  roleAllows,
  signalResources,
  type CfnTemplate,
} from '../../drill/boot/template';
import {
  parseEnvironmentFile,
  parseServiceUnit,
  parseTimeSpan,
  restartDecision,
  splitCommandLine,
  startAllowed,
} from '../../drill/boot/unit-file';

const ctx: ResolveContext = {
  stackName: 'ha-ref-primary',
  region: 'us-east-1',
  accountId: '111111111111',
  refs: {
    Logs: 'ha-ref-primary-Logs-x',
    Secret: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:s-AbCdEf',
  },
  attributes: { 'Cache.ConfigurationEndPoint.Address': 'clustercfg.example', 'Logs.Arn': 'arn:logs' },
  imports: { SharedVpc: 'vpc-123' },
};

describe('intrinsic resolver', () => {
  test('GIVEN the user data shape CDK writes THEN Fn::Base64 of Fn::Join with Refs decodes to the joined script', () => {
    const userData = { 'Fn::Base64': { 'Fn::Join': ['', ['#!/bin/bash\ngroup=', { Ref: 'Logs' }, '\n']] } };
    const encoded = resolveIntrinsics(userData, ctx) as string;
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(
      '#!/bin/bash\ngroup=ha-ref-primary-Logs-x\n',
    );
  });

  test('GIVEN GetAtt in both forms, Sub with pseudo parameters, attributes, variables and ${!Literal} THEN each resolves', () => {
    expect(resolveIntrinsics({ 'Fn::GetAtt': ['Cache', 'ConfigurationEndPoint.Address'] }, ctx)).toBe(
      'clustercfg.example',
    );
    expect(resolveIntrinsics({ 'Fn::GetAtt': 'Cache.ConfigurationEndPoint.Address' }, ctx)).toBe(
      'clustercfg.example',
    );
    expect(
      resolveIntrinsics(
        { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:${Logs}/${Logs.Arn}' },
        ctx,
      ),
    ).toBe('arn:aws:ssm:us-east-1:111111111111:ha-ref-primary-Logs-x/arn:logs');
    expect(
      resolveIntrinsics(
        {
          'Fn::Sub': [
            '${Host}:6379 ${!NotMe}',
            { Host: { 'Fn::GetAtt': ['Cache', 'ConfigurationEndPoint.Address'] } },
          ],
        },
        ctx,
      ),
    ).toBe('clustercfg.example:6379 ${NotMe}');
    expect(resolveIntrinsics({ 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] }, ctx)).toBe('b');
    expect(resolveIntrinsics({ 'Fn::ImportValue': 'SharedVpc' }, ctx)).toBe('vpc-123');
    expect(resolveIntrinsics({ Ref: 'AWS::StackId' }, ctx)).toBe(
      'arn:aws:cloudformation:us-east-1:111111111111:stack/ha-ref-primary/drill',
    );
  });

  test('GIVEN a reference the drill gave no value THEN it throws naming the reference and where, never an empty string', () => {
    expect(() => resolveIntrinsics({ a: [{ Ref: 'Missing' }] }, ctx)).toThrow(UnresolvedReferenceError);
    expect(() => resolveIntrinsics({ a: [{ Ref: 'Missing' }] }, ctx)).toThrow(
      /Ref Missing \(at \$\.a\[0\]\.Ref\)/,
    );
    expect(() => resolveIntrinsics({ 'Fn::GetAtt': ['Cache', 'Port'] }, ctx)).toThrow(
      /Fn::GetAtt Cache\.Port/,
    );
    expect(() => resolveIntrinsics({ 'Fn::Sub': '${Nope.Attr}' }, ctx)).toThrow(/Nope\.Attr/);
    expect(() => resolveIntrinsics({ 'Fn::If': ['c', 'a', 'b'] }, ctx)).toThrow(/Fn::If is not supported/);
  });

  test('GIVEN a fragment THEN referencesIn lists its Refs and GetAtts without pseudo parameters', () => {
    expect(
      referencesIn({ x: [{ Ref: 'B' }, { Ref: 'AWS::Region' }, { 'Fn::GetAtt': ['A', 'Arn'] }] }),
    ).toEqual(['A.Arn', 'B']);
  });
});

const UNIT = `[Unit]
Description=x
StartLimitIntervalSec=0
[Service]
User=ha-service
ExecStartPre=+/opt/ha-service/fetch-env
ExecStartPre=-/bin/echo "two words" 'single q'
EnvironmentFile=-/etc/ha-service/env
EnvironmentFile=/etc/other.env
Environment=A=1 "B=two words"
ExecStart=/usr/local/bin/node-22 /opt/ha-service/index.js
Restart=always
RestartSec=5
RestartSteps=5
RestartPreventExitStatus=78
StandardOutput=append:/var/log/ha-service/service.log
[Install]
WantedBy=multi-user.target
`;

describe('systemd unit parser and restart rules', () => {
  const unit = parseServiceUnit(UNIT);

  test('GIVEN the unit THEN prefixes, repeated keys, quoting and optional environment files follow systemd', () => {
    expect(unit.user).toBe('ha-service');
    expect(unit.execStartPre).toEqual([
      { argv: ['/opt/ha-service/fetch-env'], privileged: true, ignoreFailure: false },
      { argv: ['/bin/echo', 'two words', 'single q'], privileged: false, ignoreFailure: true },
    ]);
    expect(unit.execStart.argv).toEqual(['/usr/local/bin/node-22', '/opt/ha-service/index.js']);
    expect(unit.environment).toEqual({ A: '1', B: 'two words' });
    expect(unit.environmentFiles).toEqual([
      { path: '/etc/ha-service/env', optional: true },
      { path: '/etc/other.env', optional: false },
    ]);
    expect(unit.restartSec).toBe(5);
    expect(unit.startLimitIntervalSec).toBe(0);
    expect(unit.standardOutput).toBe('/var/log/ha-service/service.log');
    // systemd 252 (Amazon Linux 2023) does not know RestartSteps (254+): ignored, and reported.
    expect(unit.ignoredKeys).toEqual(['[Service] RestartSteps']);
  });

  test('GIVEN exit codes THEN Restart=always restarts all but RestartPreventExitStatus, on-failure spares a clean exit', () => {
    expect(restartDecision(unit, 75)).toBe('restart');
    expect(restartDecision(unit, 0)).toBe('restart');
    expect(restartDecision(unit, null)).toBe('restart');
    expect(restartDecision(unit, 78)).toBe('stay-down');
    const onFailure = parseServiceUnit(UNIT.replace('Restart=always', 'Restart=on-failure'));
    expect(restartDecision(onFailure, 0)).toBe('stay-down');
    expect(restartDecision(onFailure, 1)).toBe('restart');
    expect(restartDecision(parseServiceUnit(UNIT.replace('Restart=always', '')), 1)).toBe('stay-down');
  });

  test('GIVEN the default start limit THEN the sixth start within 10 s is refused; StartLimitIntervalSec=0 never refuses', () => {
    const limited = parseServiceUnit(UNIT.replace('StartLimitIntervalSec=0\n', ''));
    expect(startAllowed(limited, [1, 2, 3, 4], 5)).toBe(true);
    expect(startAllowed(limited, [1, 2, 3, 4, 5], 6)).toBe(false);
    expect(startAllowed(limited, [1, 2, 3, 4, 5], 20)).toBe(true);
    expect(startAllowed(unit, [1, 2, 3, 4, 5, 6, 7], 8)).toBe(true);
  });

  test('GIVEN what the drill cannot execute faithfully THEN the parser refuses it, naming the key', () => {
    expect(() => parseServiceUnit(UNIT.replace('ExecStart=/usr', 'ExecStart=usr'))).toThrow(
      /ExecStart must name its program by absolute path/,
    );
    expect(() =>
      parseServiceUnit(UNIT.replace('RestartPreventExitStatus=78', 'RestartPreventExitStatus=SIGKILL')),
    ).toThrow(/signal names/);
    expect(() => parseServiceUnit(UNIT.replace('Restart=always', 'Restart=sometimes'))).toThrow(
      /Restart=sometimes/,
    );
    expect(() => parseServiceUnit(UNIT.replace(/^ExecStart=.*$/m, ''))).toThrow(
      /exactly one ExecStart, got 0/,
    );
    expect(() => parseServiceUnit(UNIT.replace('append:', 'journal'))).toThrow(/StandardOutput=journal/);
  });

  test('GIVEN environment files and time spans THEN they parse by systemd rules and junk is refused by line', () => {
    expect(parseEnvironmentFile('# c\nA=1\nB="x y"\n\nC=a=b\n', 'f')).toEqual({ A: '1', B: 'x y', C: 'a=b' });
    expect(() => parseEnvironmentFile('A=1\nnot an assignment\n', '/etc/ha-service/env')).toThrow(
      /\/etc\/ha-service\/env:2/,
    );
    expect(parseTimeSpan('1min 30s', 'X')).toBe(90);
    expect(parseTimeSpan('100ms', 'X')).toBeCloseTo(0.1);
    expect(() => parseTimeSpan('5 parsecs', 'RestartSec')).toThrow(/RestartSec=5 parsecs/);
    expect(splitCommandLine(`a "b c" 'd e' f\\ g`)).toEqual(['a', 'b c', 'd e', 'f g']);
  });
});

describe("the stand-ins' checks", () => {
  test('GIVEN dnf arguments THEN only install -y with AL2023 package names passes', () => {
    expect(checkDnf(['install', '-y', 'nodejs22', 'aws-cfn-bootstrap']).packages).toEqual([
      'nodejs22',
      'aws-cfn-bootstrap',
    ]);
    expect(() => checkDnf(['install', 'nodejs22'])).toThrow(/without -y/);
    expect(() => checkDnf(['install', '-y', 'nodejs', 'awscli'])).toThrow(
      /no package 'nodejs', 'awscli' in Amazon Linux 2023/,
    );
    expect(() => checkDnf(['update', '-y'])).toThrow(/supports 'dnf install -y'/);
  });

  const target = {
    stackName: 'ha-ref-primary',
    region: 'us-east-1',
    signalResources: ['Asg'],
    roleMaySignal: true,
  };
  test('GIVEN cfn-signal arguments THEN stack, resource, region and exit code are checked against the template', () => {
    expect(
      checkCfnSignal(
        ['--stack', 'ha-ref-primary', '--resource', 'Asg', '--region', 'us-east-1', '-e', '0'],
        target,
      ),
    ).toEqual({
      stack: 'ha-ref-primary',
      resource: 'Asg',
      region: 'us-east-1',
      exitCode: 0,
    });
    expect(() =>
      checkCfnSignal(['--stack', 'other', '--resource', 'Lt', '--region', 'us-west-2', '-e', 'x'], target),
    ).toThrow(
      /--stack is 'other'.*--resource is 'Lt', resources waiting for signals: Asg.*--region is 'us-west-2'.*-e must be an exit code/,
    );
    expect(() =>
      checkCfnSignal(['--stack', 'ha-ref-primary', '--resource', 'Asg', '--region', 'us-east-1', '-e', '0'], {
        ...target,
        roleMaySignal: false,
      }),
    ).toThrow(/may not call cloudformation:SignalResource/);
  });

  test('GIVEN the agent ctl THEN the config is checked against the schema facts and its groups against the role', () => {
    expect(agentConfigPath(['-a', 'fetch-config', '-m', 'ec2', '-s', '-c', 'file:/x.json'])).toBe('/x.json');
    expect(() => agentConfigPath(['-a', 'fetch-config', '-m', 'onPremise', '-c', 'file:/x.json'])).toThrow(
      /mode ec2/,
    );
    const valid = JSON.stringify({
      logs: {
        logs_collected: { files: { collect_list: [{ file_path: '/var/log/s.log', log_group_name: 'g1' }] } },
        metrics_collected: { prometheus: { log_group_name: 'g2', prometheus_config_path: '/p.yaml' } },
      },
    });
    expect(checkAgentConfig('/x', valid, ['g1', 'g2'])).toMatchObject({
      problems: [],
      unwritableLogGroups: [],
    });
    expect(checkAgentConfig('/x', valid, ['g1']).unwritableLogGroups).toEqual(['g2']);
    const misplaced = JSON.stringify({ logs: { logs_collected: { prometheus: { log_group_name: 'g2' } } } });
    expect(checkAgentConfig('/x', misplaced, ['g2']).problems).toEqual([
      '$.logs.logs_collected.prometheus: not allowed here (allowed: files, windows_events, application_signals)',
    ]);
    expect(checkAgentConfig('/x', '{not json', []).problems[0]).toMatch(/not JSON/);
  });

  test('GIVEN ec2-metadata and curl THEN each answers what it may and refuses the rest', () => {
    const instance = { instanceId: 'i-1', availabilityZone: 'us-east-1a' };
    expect(ec2MetadataAnswer(['--instance-id'], instance)).toBe('instance-id: i-1');
    expect(ec2MetadataAnswer(['-z'], instance)).toBe('placement: us-east-1a');
    expect(() => ec2MetadataAnswer(['--public-ipv4'], instance)).toThrow(/does not answer/);
    const bundle = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';
    expect(planCurl(['-fsSL', '--retry', '5', bundle, '-o', '/etc/rds.pem'], bundle)).toEqual({
      kind: 'served',
      url: bundle,
      outputFile: '/etc/rds.pem',
    });
    expect(planCurl(['-fsS', 'http://127.0.0.1:8080/healthz'], bundle).kind).toBe('local');
    expect(() => planCurl(['-sSL', bundle, '-o', '/x'], bundle)).toThrow(/without -f/);
    expect(() => planCurl(['-fsSL', 'https://example.com/x', '-o', '/x'], bundle)).toThrow(/on the internet/);
  });
});

describe('what the drill reads from a template', () => {
  const template: CfnTemplate = {
    Resources: {
      Asg: {
        Type: 'AWS::AutoScaling::AutoScalingGroup',
        CreationPolicy: { ResourceSignal: { Count: 6, Timeout: 'PT15M' } },
      },
      Logs: { Type: 'AWS::Logs::LogGroup' },
      Proxy: { Type: 'AWS::RDS::DBProxy' },
      Cluster: { Type: 'AWS::RDS::DBCluster' },
      Secret: { Type: 'AWS::SecretsManager::Secret' },
      Attachment: {
        Type: 'AWS::SecretsManager::SecretTargetAttachment',
        Properties: { SecretId: { Ref: 'Secret' } },
      },
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: [{ 'Fn::GetAtt': ['Logs', 'Arn'] }] },
              {
                Effect: 'Allow',
                Action: ['secretsmanager:GetSecretValue'],
                Resource: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:app-??????',
              },
            ],
          },
        },
      },
    },
  };
  const { ctx: values, endpoints } = drillValues(
    template,
    { stackName: 's', region: 'us-east-1', accountId: '111111111111' },
    { Secret: 'arn:secret' },
  );

  test('GIVEN resources THEN the drill gives each the value CloudFormation would (names, ARNs, endpoints)', () => {
    expect(values.refs.Logs).toBe('s-Logs-drill');
    expect(values.attributes['Logs.Arn']).toBe(
      'arn:aws:logs:us-east-1:111111111111:log-group:s-Logs-drill:*',
    );
    expect(values.refs.Attachment).toBe('arn:secret');
    expect(endpoints.proxyHosts).toEqual(['proxy.proxy-drill.us-east-1.rds.amazonaws.com']);
    expect(endpoints.clusterHosts).toHaveLength(2);
    expect(signalResources(template)).toEqual([{ logicalId: 'Asg', count: 6, timeoutSeconds: 900 }]);
    expect(isoDurationSeconds('PT1H2M3S')).toBe(3723);
    expect(() => isoDurationSeconds('15 minutes')).toThrow(/ISO 8601/);
  });

  test("GIVEN the role's statements THEN actions and ARN wildcards decide, and log group ARNs name their group", () => {
    expect(
      roleAllows(
        template,
        'Role',
        'logs:PutLogEvents',
        'arn:aws:logs:us-east-1:111111111111:log-group:s-Logs-drill:*',
        values,
      ),
    ).toBe(true);
    expect(
      roleAllows(
        template,
        'Role',
        'secretsmanager:GetSecretValue',
        'arn:aws:secretsmanager:us-east-1:111111111111:secret:app-AbCdEf',
        values,
      ),
    ).toBe(true);
    expect(
      roleAllows(
        template,
        'Role',
        'secretsmanager:GetSecretValue',
        'arn:aws:secretsmanager:us-east-1:111111111111:secret:app-AbCdEfG',
        values,
      ),
    ).toBe(false);
    expect(
      roleAllows(
        template,
        'Role',
        'logs:CreateLogGroup',
        'arn:aws:logs:us-east-1:111111111111:log-group:s-Logs-drill:*',
        values,
      ),
    ).toBe(false);
    expect(
      roleAllows(
        template,
        'Other',
        'logs:PutLogEvents',
        'arn:aws:logs:us-east-1:111111111111:log-group:s-Logs-drill:*',
        values,
      ),
    ).toBe(false);
    expect(logGroupOfArn('arn:aws:logs:us-east-1:1:log-group:/ha-service/app:*')).toBe('/ha-service/app');
  });

  test('GIVEN a failed boot trace THEN the failing user-data line and its step are named', () => {
    const script =
      '#!/bin/bash\nfunction exitTrap(){\nexitCode=$?\n}\ntrap exitTrap EXIT\nset -e\naws s3 cp s3://b/k /opt/x\nnode --check /opt/x\n';
    const trace = [
      '+ PS4=x',
      '+5: trap exitTrap EXIT',
      '+7: aws s3 cp s3://b/k /opt/x',
      '++8: command -v node',
      '+8: node --check /opt/x',
      '+1: exitTrap',
      '+3: exitCode=1',
    ].join('\n');
    const line = failingLine(trace, script);
    expect(line).toBe('node --check /opt/x');
    expect(bootStepOf(line!)).toBe('parse the bundle with node (node --check)');
    expect(bootStepOf("aws s3 cp 's3://b/k' '/opt/ha-service/index.js'")).toBe(
      'download the service bundle from S3',
    );
    expect(bootStepOf('systemctl enable --now --no-block ha-service')).toBe('start ha-service (systemctl)');
  });
});
