/**
 * One boot-drill case, run as PID 1 of fresh mount, network and PID namespaces (drill/boot/run.ts starts it with
 * `unshare --mount --net --pid --fork --mount-proc`): it makes private copies of /etc, /opt, /run, /var/log and
 * /usr/local/bin, brings up `lo`, starts moto, PostgreSQL (TLS), the RDS Proxy stand-in and a Redis Cluster (TLS +
 * AUTH) inside, seeds the emulator from the synthesized template, runs the launch template's user data as root
 * and checks what a CloudFormation deploy would wait for. When it exits the kernel ends every process it started.
 * Argument: the path of a CaseSpec JSON file; the result is written beside it (CaseResult).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type Ca, makeCa, makeServerCert } from '../../service/test/support/certs';
import { startPgTlsProxy } from './pg-tls-proxy';
import {
  CONTEXT_FILE,
  DRILL_RUN_DIR,
  EVENTS_FILE,
  readEvents,
  readUnitStatus,
  type ShimContext,
} from './shims';
import {
  bootStepOf,
  dig,
  drillValues,
  failingLine,
  instanceRoleId,
  launchTemplate,
  logGroupOfArn,
  parametersUnder,
  resolvedUserData,
  resourcesAllowed,
  roleAllows,
  signalResources,
  type CfnTemplate,
} from './template';
import { resolveIntrinsics, type ResolveContext } from './intrinsics';
import { APP_USER, PgCluster } from '../topology/postgres';
import { runSync, sleep, waitForTcp } from '../topology/proc';
import { RedisCluster } from '../topology/redis';

/** Ways to put a finding of issue 14 back, to prove the drill catches it (each must fail at its named step). */
export const INJECTIONS = {
  'zip-asset':
    'finding 1: the bundle is published as a directory asset (zip packaging) under the key the user data downloads',
  'prometheus-under-logs':
    'finding 2: the agent config puts prometheus under logs.logs_collected instead of logs.metrics_collected',
  'hardcoded-log-group':
    'finding 2: the service log goes to a hard-coded /ha-service/app group the role may not write',
  'gives-up-on-missing-config':
    'finding 3: the unit stays down when configuration is missing (RestartPreventExitStatus=75) and the parameters appear after the boot',
  'blocking-start':
    'found by this drill: the boot waits on the first start (`systemctl enable --now` without --no-block) while SSM is unreachable for 20 s',
  'ca-replaced':
    'finding 4: the database trust is the RDS bundle only (the boot writes only it and the service replaces the default roots with it)',
} as const;
export type Injection = keyof typeof INJECTIONS;

export interface CaseSpec {
  readonly id: string;
  readonly title: string;
  readonly stackName: string;
  /** REGION_ROLE the template writes: the writer region answers /readyz?role=writer with 200. */
  readonly expectWriter: boolean;
  readonly cdkOut: string;
  readonly caseDir: string;
  readonly shimsJs: string;
  readonly realAws: string;
  readonly realNode: string;
  readonly motoServer: string;
  /** Seconds after the boot starts at which the SSM parameters appear (0: before the boot). */
  readonly parametersDelaySeconds: number;
  /** Seconds after the boot starts during which SSM cannot be reached (0: never). */
  readonly ssmUnreachableSeconds: number;
  readonly inject?: Injection;
  /** The drill stops waiting for the boot after this long (far below the CreationPolicy timeout). */
  readonly bootCapSeconds: number;
}

export interface StepResult {
  readonly step: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface CaseResult {
  readonly id: string;
  readonly passed: boolean;
  /** The first step that failed. */
  readonly failedStep?: string;
  readonly steps: readonly StepResult[];
  readonly wallSeconds: number;
  /** Namespace, certificates, servers and the emulator's seed, before the boot starts. */
  readonly setupSeconds?: number;
  readonly bootSeconds?: number;
  readonly signalAfterSeconds?: number;
  readonly serviceStarts?: number;
}

const AZ_SUFFIX = 'a';
/** The boot's PATH (AL2023's, with the stand-ins in /usr/local/bin). */
const BOOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SYSTEM_CA_BUNDLE = '/etc/pki/tls/certs/ca-bundle.crt';
const PROXY_IP = '127.0.0.2';
const execFileAsync = promisify(execFile);
const MOTO_PORT = 5000;

/** The parts of a cloud assembly asset manifest (`<stack>.assets.json`) the drill reads. */
export interface AssetManifest {
  readonly files: Readonly<
    Record<
      string,
      {
        readonly source: { readonly path: string; readonly packaging?: string };
        readonly destinations: Readonly<
          Record<string, { readonly bucketName: string; readonly objectKey: string }>
        >;
      }
    >
  >;
}

/** A stack's asset manifest in a cloud assembly directory. */
export function readAssetManifest(cdkOut: string, stackName: string): AssetManifest {
  return JSON.parse(readFileSync(join(cdkOut, `${stackName}.assets.json`), 'utf8')) as AssetManifest;
}

function resolvedString(value: unknown, ctx: ResolveContext): string {
  const v = resolveIntrinsics(value, ctx);
  if (typeof v !== 'string' && typeof v !== 'number')
    throw new Error(`drill: ${JSON.stringify(value)} does not resolve to a string`);
  return String(v);
}

/** Account and region of a stack, from the cloud assembly manifest (`aws://<account>/<region>`). */
function stackEnvironment(cdkOut: string, stackName: string): { account: string; region: string } {
  const manifest: unknown = JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8'));
  const env = /^aws:\/\/(\d+)\/([a-z0-9-]+)$/.exec(
    String(dig(manifest, 'artifacts', stackName, 'environment')),
  );
  if (!env)
    throw new Error(`drill: ${stackName} in ${cdkOut}/manifest.json has no explicit aws://account/region`);
  return { account: env[1], region: env[2] };
}

function sh(cmd: string, args: string[]): string {
  return runSync(cmd, args);
}

/** Private copies of what the boot writes, so the host's /etc, /opt, /run, /var/log and /usr/local/bin stay untouched. */
function isolateFilesystem(root: string): void {
  sh('mount', ['--make-rprivate', '/']);
  mkdirSync(root, { recursive: true });
  sh('cp', ['-a', '/etc', join(root, 'etc')]);
  for (const [dir, target] of [
    ['etc', '/etc'],
    ['opt', '/opt'],
    ['run', '/run'],
    ['var-log', '/var/log'],
    ['usr-local-bin', '/usr/local/bin'],
  ] as const) {
    mkdirSync(join(root, dir), { recursive: true });
    sh('mount', ['--bind', join(root, dir), target]);
  }
  mkdirSync(DRILL_RUN_DIR, { recursive: true });
  sh('ip', ['link', 'set', 'lo', 'up']);
}

interface Pki {
  readonly rdsCa: string;
  readonly publicCa: string;
  readonly db: { cert: string; key: string };
  readonly proxy: { cert: string; key: string };
  readonly cache: { cert: string; key: string };
}

/**
 * CA #1 stands for the RDS CA bundle, CA #2 for the public roots (Amazon Root CA 1); EC P-256 keys,
 * made with the service tests' helpers. Every leaf allows TLS client authentication too: the Redis
 * Cluster nodes present theirs as clients on the cluster bus (`redis-cli --cluster create` fails
 * with a serverAuth-only certificate).
 */
export function makePki(dir: string, names: { db: string[]; proxy: string[]; cache: string[] }): Pki {
  mkdirSync(dir, { recursive: true });
  const rdsCa = makeCa(dir, 'rds-ca');
  const publicCa = makeCa(dir, 'public-ca');
  const leaf = (name: string, ca: Ca, dns: string[]): { cert: string; key: string } => {
    const altNames = [...dns.map((d) => `DNS:${d}`), 'IP:127.0.0.1', `IP:${PROXY_IP}`];
    const cert = makeServerCert(dir, ca, name, altNames, { clientAuth: true });
    return { cert: cert.certFile, key: cert.keyFile };
  };
  return {
    rdsCa: rdsCa.certFile,
    publicCa: publicCa.certFile,
    db: leaf('db', rdsCa, names.db),
    proxy: leaf('proxy', publicCa, names.proxy),
    cache: leaf('cache', publicCa, names.cache),
  };
}

function randomToken(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

/** The user data as the finding would have it (the text must contain what it replaces, or the drill is wrong). */
function injectIntoUserData(script: string, inject: Injection | undefined, serviceLogGroup: string): string {
  const replace = (from: string | RegExp, to: string): string => {
    const next = script.replace(from, to);
    if (next === script) throw new Error(`inject ${inject}: '${String(from)}' not found in the user data`);
    return next;
  };
  switch (inject) {
    case 'prometheus-under-logs': {
      const m = /(ha-service\.json <<'EOF'\n)(.*)\n/.exec(script);
      if (!m) throw new Error('inject: no agent config heredoc in the user data');
      const config = JSON.parse(m[2]) as {
        logs: { logs_collected: Record<string, unknown>; metrics_collected?: Record<string, unknown> };
      };
      config.logs.logs_collected.prometheus = config.logs.metrics_collected?.prometheus;
      delete config.logs.metrics_collected;
      return script.replace(m[2], JSON.stringify(config));
    }
    case 'hardcoded-log-group':
      return replace(`"log_group_name":"${serviceLogGroup}"`, '"log_group_name":"/ha-service/app"');
    case 'gives-up-on-missing-config':
      return replace(/^RestartPreventExitStatus=78$/m, 'RestartPreventExitStatus=75');
    case 'blocking-start':
      return replace(/^systemctl enable --now --no-block ha-service$/m, 'systemctl enable --now ha-service');
    case 'ca-replaced':
      return replace(
        /^cat \/etc\/pki\/tls\/certs\/ca-bundle\.crt \/etc\/ha-service\/rds-ca\.pem > \/etc\/ha-service\/db-ca\.pem$/m,
        'cp /etc/ha-service/rds-ca.pem /etc/ha-service/db-ca.pem',
      );
    default:
      return script;
  }
}

/** The service's trust as it was before the fix: the CA file replaces Node's default roots (minified bundle). */
function replaceDefaultRootsInBundle(bundle: string): string {
  const pattern = /(\w+)=\[\.\.\.\w+\?\?\w+\(\),\.\.\.(\w+\()/g;
  const matches = bundle.match(pattern) ?? [];
  if (matches.length !== 1)
    throw new Error(
      `inject ca-replaced: expected one tlsTrust roots expression in the bundle, found ${matches.length}`,
    );
  return bundle.replace(pattern, '$1=[...$2');
}

class Steps {
  readonly results: StepResult[] = [];
  check(step: string, ok: boolean, fullDetail: string): boolean {
    const detail = fullDetail.length > 600 ? `${fullDetail.slice(0, 600)}…` : fullDetail;
    this.results.push({ step, ok, detail });
    process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${step}: ${detail}\n`);
    return ok;
  }
}

async function httpStatus(url: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: 0, body: (err as Error).message };
  }
}

/** Waits up to timeoutMs for `url` to answer `want`; returns the last answer. */
async function waitForStatus(
  url: string,
  want: number,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await httpStatus(url);
    if (r.status === want || Date.now() > deadline) return r;
    await sleep(250);
  }
}

async function runCase(spec: CaseSpec): Promise<CaseResult> {
  const started = Date.now();
  const steps = new Steps();
  const root = join(spec.caseDir, 'root');
  isolateFilesystem(root);

  const template = JSON.parse(
    readFileSync(join(spec.cdkOut, `${spec.stackName}.template.json`), 'utf8'),
  ) as CfnTemplate;
  const manifest = readAssetManifest(spec.cdkOut, spec.stackName);
  const { account, region } = stackEnvironment(spec.cdkOut, spec.stackName);
  const base = { stackName: spec.stackName, region, accountId: account };

  // --- AWS emulator ---------------------------------------------------------------------------------------
  // The template's account, so the ARNs moto hands out are the ones the role's policy names.
  const moto = spawn(spec.motoServer, ['-H', '127.0.0.1', '-p', String(MOTO_PORT)], {
    env: { ...process.env, MOTO_ACCOUNT_ID: account },
    stdio: [
      'ignore',
      openSync(join(spec.caseDir, 'moto.log'), 'a'),
      openSync(join(spec.caseDir, 'moto.log'), 'a'),
    ],
  });
  moto.unref();
  const endpoint = `http://127.0.0.1:${MOTO_PORT}`;
  const credentials = { accessKeyId: 'drill', secretAccessKey: 'drill' };

  // What the servers need is known before any secret exists: names, ports, the parameter path.
  const lt = launchTemplate(template);
  const { endpoints } = drillValues(template, base, {});
  const bootPath = /get-parameters-by-path --region \S+ --path '([^']+)'/.exec(
    resolvedUserData(lt.userData, drillValues(template, base, {}).ctx),
  )?.[1];
  const portParameter = parametersUnder(template, bootPath ?? '/').find((p) => p.name.endsWith('/DB_PORT'));
  const dbPort = Number(portParameter?.value ?? '5432');
  const redisToken = randomToken(64);
  const pgDir = join(spec.caseDir, 'pg');
  mkdirSync(pgDir, { recursive: true });

  // --- Names and servers --------------------------------------------------------------------------------
  const hosts = [
    '127.0.0.1 localhost',
    ...endpoints.clusterHosts.map((h) => `127.0.0.1 ${h}`),
    ...endpoints.proxyHosts.map((h) => `${PROXY_IP} ${h}`),
    ...endpoints.cacheHosts.map((h) => `127.0.0.1 ${h}`),
  ];
  writeFileSync('/etc/hosts', `${hosts.join('\n')}\n`);
  const pki = makePki(join(spec.caseDir, 'pki'), {
    db: endpoints.clusterHosts.length > 0 ? endpoints.clusterHosts : ['db.drill'],
    proxy: endpoints.proxyHosts.length > 0 ? endpoints.proxyHosts : ['proxy.drill'],
    cache: endpoints.cacheHosts.length > 0 ? endpoints.cacheHosts : ['cache.drill'],
  });
  mkdirSync('/etc/pki/tls/certs', { recursive: true });
  copyFileSync(pki.publicCa, SYSTEM_CA_BUNDLE);
  chmodSync(SYSTEM_CA_BUNDLE, 0o644);

  // PostgreSQL: pg1 stands for the global database's writer, pg2 (its streaming replica, read-only) for this
  // region's secondary cluster. The writer region reaches pg1 through the proxy; the DR region reaches pg2 on
  // the cluster endpoints' port.
  const pg = new PgCluster({
    ports: [15432, dbPort],
    agentPorts: [0, 0],
    baseDir: pgDir,
    tls: { certFile: pki.db.cert, keyFile: pki.db.key },
  });
  const pgUser = pg.nodes[0].opts.runAs;
  if (pgUser) {
    chownSync(pki.db.key, pgUser.uid, pgUser.gid);
    chmodSync(pki.db.key, 0o600);
  }
  const cachePorts = [6379, 6380, 6381, 6382, 6383, 6384];
  const redis = new RedisCluster({
    ports: cachePorts,
    busPorts: cachePorts.map((p) => p + 10_000),
    dir: join(spec.caseDir, 'redis'),
    security: {
      certFile: pki.cache.cert,
      keyFile: pki.cache.key,
      caFile: pki.publicCa,
      password: redisToken,
    },
  });
  const serversUp = Promise.all([pg.start(), redis.start()]).then(async () => {
    if (endpoints.proxyHosts.length === 0) return;
    await startPgTlsProxy({
      listen: [{ host: PROXY_IP, port: dbPort }],
      certPem: readFileSync(pki.proxy.cert, 'utf8'),
      keyPem: readFileSync(pki.proxy.key, 'utf8'),
      upstream: {
        host: '127.0.0.1',
        port: 15432,
        servername: endpoints.clusterHosts[0],
        caPem: readFileSync(pki.rdsCa, 'utf8'),
      },
    });
  });
  serversUp.catch(() => undefined); // awaited below; a failure surfaces there

  // --- Secrets (their ARNs are the Refs the parameters and the role's policy use) ----------------------------
  await waitForTcp(MOTO_PORT, 30_000);
  const secrets = new SecretsManagerClient({ region, endpoint, credentials });
  const secretArns: Record<string, string> = {};
  let tokenSecretArn: string | undefined;
  for (const [id, r] of Object.entries(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::SecretsManager::Secret',
  )) {
    const name = (r.Properties?.Name as string | undefined) ?? `${id}-drill`;
    const out = await secrets.send(new CreateSecretCommand({ Name: name, SecretString: '{}' }));
    secretArns[id] = out.ARN!;
    if (dig(r.Properties, 'GenerateSecretString', 'GenerateStringKey') === 'token') tokenSecretArn = out.ARN;
  }
  const { ctx } = drillValues(template, base, secretArns);

  // --- Template facts -------------------------------------------------------------------------------------
  const role = instanceRoleId(template, lt.logicalId);
  const signals = signalResources(template);
  const writableLogGroups = resourcesAllowed(template, role, 'logs:PutLogEvents', ctx)
    .map(logGroupOfArn)
    .filter((g): g is string => g !== undefined);
  const stackId = resolveIntrinsics({ Ref: 'AWS::StackId' }, ctx) as string;
  const roleMaySignal = resourcesAllowed(template, role, 'cloudformation:SignalResource', ctx).includes(
    stackId,
  );
  const serviceLogGroup = ctx.refs[Object.keys(ctx.refs).find((k) => k.startsWith('FleetServiceLogs'))!];
  let script = resolvedUserData(lt.userData, ctx);
  script = injectIntoUserData(script, spec.inject, serviceLogGroup);
  writeFileSync(join(spec.caseDir, 'user-data.sh'), script);

  const parameterPath = /get-parameters-by-path --region \S+ --path '([^']+)'/.exec(script)?.[1];
  if (!parameterPath) throw new Error('drill: the user data reads no parameter path');
  const parameters = parametersUnder(template, parameterPath).map((p) => ({
    name: p.name,
    value: resolvedString(p.value, ctx),
  }));
  const paramValue = (variable: string): string | undefined =>
    parameters.find((p) => p.name === `${parameterPath}/${variable}`)?.value;

  // The database secret: the template's username (the role PgCluster creates) and the password it was given.
  const dbSecretId = paramValue('DB_SECRET_ID');
  const appSecret = Object.entries(template.Resources).find(
    ([, r]) => r.Type === 'AWS::SecretsManager::Secret' && r.Properties?.Name === dbSecretId,
  );
  const secretTemplate = dig(appSecret?.[1].Properties, 'GenerateSecretString', 'SecretStringTemplate');
  const templateUser = secretTemplate
    ? (JSON.parse(resolvedString(secretTemplate, ctx)) as { username?: string }).username
    : APP_USER;
  if (templateUser !== APP_USER) {
    throw new Error(
      `drill: the app secret's username is ${templateUser}, the drill's database role is ${APP_USER}`,
    );
  }
  let dbSecretArn = appSecret ? secretArns[appSecret[0]] : undefined;
  if (dbSecretId && !appSecret) {
    // The DR region reads the primary's secret through its regional replica (same name).
    dbSecretArn = (await secrets.send(new CreateSecretCommand({ Name: dbSecretId, SecretString: '{}' }))).ARN;
  }
  if (dbSecretId) {
    const value = JSON.stringify({ username: APP_USER, password: pg.appPassword });
    await secrets.send(new PutSecretValueCommand({ SecretId: dbSecretId, SecretString: value }));
  }
  if (tokenSecretArn) {
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: tokenSecretArn,
        SecretString: JSON.stringify({ token: redisToken }),
      }),
    );
  }

  // The service asset, as CDK publishes it: a file asset as is, a directory asset zipped.
  const download = /aws s3 cp 's3:\/\/([^/]+)\/([^']+)' '([^']+)'/.exec(script);
  if (!download) throw new Error('drill: the user data downloads no bundle from S3');
  const [, bucket, key] = download;
  const asset = Object.values(manifest.files).find((f) =>
    Object.values(f.destinations).some((d) => d.bucketName === bucket && d.objectKey === key),
  );
  if (!asset)
    throw new Error(`drill: no asset in ${spec.stackName}.assets.json publishes s3://${bucket}/${key}`);
  const packaging = spec.inject === 'zip-asset' ? 'zip' : (asset.source.packaging ?? 'file');
  let objectFile = join(spec.cdkOut, asset.source.path);
  if (spec.inject === 'ca-replaced') {
    objectFile = join(spec.caseDir, 'bundle-ca-replaced.js');
    writeFileSync(
      objectFile,
      replaceDefaultRootsInBundle(readFileSync(join(spec.cdkOut, asset.source.path), 'utf8')),
    );
  }
  if (packaging === 'zip') {
    const zipFile = join(spec.caseDir, 'asset.zip');
    spawnSync('zip', ['-q', '-j', zipFile, objectFile]);
    objectFile = zipFile;
  }
  const ambient = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const awsEnv = { ...process.env, ...ambient };
  const createBucket = ['s3api', 'create-bucket', '--bucket', bucket, '--region', region];
  if (region !== 'us-east-1')
    createBucket.push('--create-bucket-configuration', `LocationConstraint=${region}`);
  await execFileAsync(spec.realAws, createBucket, { env: awsEnv });
  await execFileAsync(spec.realAws, ['s3', 'cp', '--quiet', objectFile, `s3://${bucket}/${key}`], {
    env: awsEnv,
  });
  await serversUp;

  const ssm = new SSMClient({ region, endpoint, credentials });
  const putParameters = async (): Promise<void> => {
    for (const p of parameters)
      await ssm.send(
        new PutParameterCommand({ Name: p.name, Value: p.value, Type: 'String', Overwrite: true }),
      );
  };
  steps.check(
    'emulator and servers',
    true,
    `moto (S3 ${bucket}/${key} as ${packaging}, ${Object.keys(secretArns).length + (appSecret || !dbSecretId ? 0 : 1)} secrets), PostgreSQL TLS, ${endpoints.proxyHosts.length > 0 ? 'RDS Proxy stand-in, ' : ''}Redis Cluster TLS+AUTH`,
  );

  // --- Stand-ins on the boot's PATH -----------------------------------------------------------------------
  const binDir = '/usr/local/bin';
  const shimContext: ShimContext = {
    signal: {
      stackName: spec.stackName,
      region,
      signalResources: signals.map((s) => s.logicalId),
      roleMaySignal,
    },
    instanceId: 'i-0b00td2111111111',
    availabilityZone: `${region}${AZ_SUFFIX}`,
    writableLogGroups,
    rdsCaBundleUrl: 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem',
    rdsCaBundleFile: pki.rdsCa,
    realCurl: '/usr/bin/curl',
    realNode: spec.realNode,
    shimsJs: spec.shimsJs,
    binDir,
    systemCaBundle: SYSTEM_CA_BUNDLE,
    ambient,
  };
  writeFileSync(CONTEXT_FILE, JSON.stringify(shimContext));
  writeFileSync(EVENTS_FILE, '');
  for (const tool of ['dnf', 'ec2-metadata', 'curl', 'systemctl']) {
    writeFileSync(join(binDir, tool), `#!/bin/bash\nexec ${spec.realNode} ${spec.shimsJs} ${tool} "$@"\n`);
    chmodSync(join(binDir, tool), 0o755);
  }
  // The AWS CLI the AMI ships, with the instance's credentials and endpoints (here: moto); SSM can be made
  // unreachable for a while (a route or endpoint not there yet).
  const ssmDownFile = join(DRILL_RUN_DIR, 'ssm-unreachable');
  writeFileSync(
    join(binDir, 'aws'),
    [
      '#!/bin/bash',
      ...Object.entries(ambient).map(([k, v]) => `export ${k}='${v}'`),
      `if [ "$1" = ssm ] && [ -e ${ssmDownFile} ]; then echo "Could not connect to the endpoint URL: \\"https://ssm.${region}.amazonaws.com/\\"" >&2; exit 255; fi`,
      `exec ${spec.realAws} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(binDir, 'aws'), 0o755);

  // --- The boot ---------------------------------------------------------------------------------------------
  if (spec.parametersDelaySeconds === 0) await putParameters();
  if (spec.ssmUnreachableSeconds > 0) writeFileSync(ssmDownFile, '');
  const bootStart = Date.now();
  const timers = [
    spec.parametersDelaySeconds > 0
      ? setTimeout(() => void putParameters(), spec.parametersDelaySeconds * 1000)
      : undefined,
    spec.ssmUnreachableSeconds > 0
      ? setTimeout(() => spawnSync('rm', ['-f', ssmDownFile]), spec.ssmUnreachableSeconds * 1000)
      : undefined,
  ];
  const bootLog = join(spec.caseDir, 'boot.log');
  const bootFd = openSync(bootLog, 'a');
  // bash takes no PS4 from the environment when run as root; BASH_ENV runs before the script does.
  const bashEnv = join(spec.caseDir, 'bash-env');
  writeFileSync(bashEnv, "PS4='+${LINENO}: '\n");
  const boot = spawn('/bin/bash', ['-x', join(spec.caseDir, 'user-data.sh')], {
    env: { PATH: BOOT_PATH, HOME: '/root', LANG: 'C.UTF-8', BASH_ENV: bashEnv },
    cwd: '/',
    stdio: ['ignore', bootFd, bootFd],
  });
  const bootExit = await new Promise<number | null>((resolve) => {
    const cap = setTimeout(() => {
      boot.kill('SIGKILL');
      resolve(null);
    }, spec.bootCapSeconds * 1000);
    boot.once('exit', (code) => {
      clearTimeout(cap);
      resolve(code);
    });
  });
  const bootSeconds = (Date.now() - bootStart) / 1000;
  const trace = readFileSync(bootLog, 'utf8');
  const events = readEvents();
  const signal = events.find((e) => e.tool === 'cfn-signal');
  if (bootExit !== 0) {
    const line = failingLine(trace, script);
    steps.check(
      `boot: ${line ? bootStepOf(line) : 'unknown step'}`,
      false,
      bootExit === null
        ? `still running after the drill's ${spec.bootCapSeconds}s cap`
        : `exited ${bootExit} at '${line?.trim().slice(0, 120)}': ${lastLines(trace, 4)}`,
    );
  } else {
    steps.check('boot', true, `user data exited 0 after ${bootSeconds.toFixed(1)}s`);
  }
  for (const e of events.filter((e) => !e.ok))
    steps.check(`stand-in ${e.tool}`, false, typeof e.error === 'string' ? e.error : JSON.stringify(e));

  // --- What CloudFormation and the load balancer wait for -----------------------------------------------------
  const policy = signals[0];
  const signalAfter = signal ? (signal.t - bootStart) / 1000 : undefined;
  steps.check(
    'cfn-signal success within the CreationPolicy timeout',
    !!signal?.ok && signal.exitCode === 0 && signalAfter! <= policy.timeoutSeconds,
    signal
      ? `${signal.ok ? `-e ${String(signal.exitCode)}` : String(signal.error)} after ${signalAfter!.toFixed(1)}s (timeout ${policy.timeoutSeconds}s, ${policy.logicalId})`
      : 'no signal sent',
  );
  const port = Number(/^PORT=(\d+)$/m.exec(script)?.[1] ?? '8080');
  const url = `http://127.0.0.1:${port}`;
  // After a failed boot there is nothing to wait for: one probe each.
  const booted = bootExit === 0;
  const patience = (ms: number): number => (booted ? ms : 0);
  const health = await waitForStatus(`${url}/healthz`, 200, patience(5_000));
  steps.check('/healthz 200', health.status === 200, `${health.status} ${health.body}`);
  const ready = await waitForStatus(`${url}/readyz`, 200, patience(20_000));
  steps.check('/readyz 200', ready.status === 200, `${ready.status} ${ready.body}`);
  const writerWant = spec.expectWriter ? 200 : 503;
  const writer = await waitForStatus(
    `${url}/readyz?role=writer`,
    writerWant,
    patience(spec.expectWriter ? 20_000 : 3_000),
  );
  steps.check(
    `/readyz?role=writer ${writerWant}`,
    writer.status === writerWant,
    `${writer.status} ${writer.body}`,
  );

  const cache = await waitUntilCacheUp(`${url}/readyz`, patience(20_000));
  steps.check(
    'cache up (Redis Cluster, TLS, AUTH token from the secret)',
    cache === 'up',
    `cache state ${cache}`,
  );

  const calls: [string, string | undefined][] = [
    ['s3:GetObject', `arn:aws:s3:::${bucket}/${key}`],
    ['ssm:GetParametersByPath', `arn:aws:ssm:${region}:${account}:parameter${parameterPath}`],
    ['secretsmanager:GetSecretValue', dbSecretArn],
    ['secretsmanager:GetSecretValue', tokenSecretArn],
  ];
  const denied = calls.filter(([action, arn]) => !arn || !roleAllows(template, role, action, arn, ctx));
  steps.check(
    "instance role's policy allows the boot's and the service's AWS calls",
    denied.length === 0,
    denied.length
      ? `not allowed: ${denied.map(([a, r]) => `${a} on ${r ?? '(no resource)'}`).join(', ')}`
      : calls.map(([a]) => a).join(', '),
  );

  const unit = readUnitStatus('ha-service');
  const uid =
    unit?.mainPid && existsSync(`/proc/${unit.mainPid}/status`)
      ? Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${unit.mainPid}/status`, 'utf8'))?.[1])
      : undefined;
  const serviceUid = Number(spawnSync('id', ['-u', 'ha-service'], { encoding: 'utf8' }).stdout.trim() || NaN);
  steps.check(
    'service runs unprivileged (User=ha-service)',
    uid !== undefined && uid !== 0 && uid === serviceUid,
    `main pid ${unit?.mainPid ?? '-'} uid ${uid ?? '-'} (ha-service is ${serviceUid}); ${unit?.starts ?? 0} start(s), state ${unit?.state ?? '-'}${unit?.ignoredKeys.length ? `; systemd 252 ignores ${unit.ignoredKeys.join(', ')}` : ''}`,
  );
  const agent = events.find((e) => e.tool === 'agent-ctl');
  const problems = (agent?.problems as string[] | undefined) ?? [];
  steps.check(
    'agent config valid against the schema facts',
    !!agent && problems.length === 0,
    agent ? problems.join('; ') || 'no problems' : 'agent ctl never ran',
  );
  const unwritable = (agent?.unwritableLogGroups as string[] | undefined) ?? [];
  steps.check(
    'agent log groups writable by the instance role',
    !!agent && unwritable.length === 0 && ((agent.logGroups as string[]) ?? []).length > 0,
    agent
      ? unwritable.length
        ? `not writable: ${unwritable.join(', ')} (role may write ${writableLogGroups.join(', ')})`
        : (agent.logGroups as string[]).join(', ')
      : 'agent ctl never ran',
  );
  timers.forEach((t) => t && clearTimeout(t));
  const failed = steps.results.find((s) => !s.ok);
  return {
    id: spec.id,
    passed: !failed,
    failedStep: failed?.step,
    steps: steps.results,
    wallSeconds: (Date.now() - started) / 1000,
    setupSeconds: (bootStart - started) / 1000,
    bootSeconds,
    signalAfterSeconds: signalAfter,
    serviceStarts: unit?.starts,
  };
}

async function waitUntilCacheUp(readyz: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let state = 'unknown';
  for (;;) {
    try {
      state =
        (JSON.parse((await httpStatus(readyz)).body) as { cache?: { state?: string } }).cache?.state ??
        'unknown';
    } catch {
      state = 'unknown';
    }
    if (state === 'up' || Date.now() >= deadline) return state;
    await sleep(250);
  }
}

function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() && !/^\++\d+: /.test(l))
    .slice(-n)
    .join(' | ')
    .slice(0, 400);
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8')) as CaseSpec;
  const resultFile = join(spec.caseDir, 'result.json');
  try {
    const result = await runCase(spec);
    writeFileSync(resultFile, JSON.stringify(result, null, 2));
  } catch (err) {
    const result: CaseResult = {
      id: spec.id,
      passed: false,
      failedStep: 'drill set-up',
      steps: [
        {
          step: 'drill set-up',
          ok: false,
          detail: err instanceof Error ? (err.stack ?? err.message) : String(err),
        },
      ],
      wallSeconds: 0,
    };
    writeFileSync(resultFile, JSON.stringify(result, null, 2));
  }
  // PID 1 of the namespace: leaving ends every process started in it.
  process.exit(0);
}

if (require.main === module) void main();
