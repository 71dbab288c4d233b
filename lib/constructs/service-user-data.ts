import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';

export interface ServiceUserDataOptions {
  /** The resource whose CreationPolicy/UpdatePolicy waits for the success signal. */
  readonly resource: autoscaling.AutoScalingGroup;
  readonly region: string;
  readonly port: number;
  /** SSM path whose parameters (name = variable) become the service environment. */
  readonly parameterPath: string;
  /** The service bundle: one JavaScript file (file packaging, not a zip). */
  readonly serviceAsset: s3assets.Asset;
  readonly environment: Readonly<Record<string, string>>;
  /** Log group the CloudWatch agent ships the service log to (the instance role may write it). */
  readonly serviceLogGroupName: string;
  /** Log group for the Prometheus scrape (embedded metric format → CloudWatch metrics). */
  readonly metricsLogGroupName: string;
  /** CloudWatch namespace of the scraped service metrics. */
  readonly metricsNamespace: string;
  /**
   * Seconds the boot waits for /healthz before it gives up and signals failure; must end well
   * inside the CreationPolicy timeout, so a failure is reported instead of timing out.
   */
  readonly healthWaitSeconds: number;
}

/** Paths on the instance, shared by the boot script, the unit and the agent config. */
export const INSTANCE_PATHS = {
  serviceDir: '/opt/ha-service',
  bundle: '/opt/ha-service/index.js',
  fetchEnv: '/opt/ha-service/fetch-env',
  staticEnv: '/etc/ha-service/static.env',
  env: '/etc/ha-service/env',
  rdsCa: '/etc/ha-service/rds-ca.pem',
  dbCa: '/etc/ha-service/db-ca.pem',
  /** Amazon Linux 2023's system trust store (public roots, Amazon Root CA 1 among them). */
  systemCa: '/etc/pki/tls/certs/ca-bundle.crt',
  logDir: '/var/log/ha-service',
  log: '/var/log/ha-service/service.log',
  unit: '/etc/systemd/system/ha-service.service',
  agentConfig: '/opt/aws/amazon-cloudwatch-agent/etc/ha-service.json',
  prometheusConfig: '/opt/aws/amazon-cloudwatch-agent/etc/prometheus.yaml',
} as const;

/** The service's exit code for configuration that is present but invalid: a restart cannot fix it. */
export const EXIT_CONFIG_INVALID = 78;

/** The public URL of the RDS CA bundle (certificates of the cluster and instance endpoints). */
export const RDS_CA_BUNDLE_URL = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';

/** Amazon Linux 2023 packages the boot installs. */
export const BOOT_PACKAGES = ['nodejs22', 'aws-cfn-bootstrap', 'amazon-cloudwatch-agent'] as const;

const P = INSTANCE_PATHS;

/**
 * Boot script for a service instance: install Node.js from the OS packages, fetch the bundle,
 * run it under systemd as an unprivileged user, and signal CloudFormation only once /healthz
 * answers. The runtime parameters (endpoints and secret names; credentials are read by the
 * service at run time) are re-read from SSM before every start of the service, so a parameter
 * that appears or changes after boot is picked up by the next restart.
 */
export function serviceUserData(userData: ec2.UserData, o: ServiceUserDataOptions): void {
  userData.addCommands(
    'set -euo pipefail',
    `dnf install -y ${BOOT_PACKAGES.join(' ')}`,
    'id ha-service >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin ha-service',
    `mkdir -p ${P.serviceDir} /etc/ha-service ${P.logDir}`,
    `chown ha-service ${P.logDir}`,
    // The database presents either an RDS certificate (cluster endpoints) or, behind RDS Proxy, an
    // ACM one chaining to Amazon Root CA 1: trust the RDS bundle *and* the system's public roots.
    `curl -fsSL --retry 5 ${RDS_CA_BUNDLE_URL} -o ${P.rdsCa}`,
    `cat ${P.systemCa} ${P.rdsCa} > ${P.dbCa}`,
  );
  const local = userData.addS3DownloadCommand({
    bucket: o.serviceAsset.bucket,
    bucketKey: o.serviceAsset.s3ObjectKey,
    localFile: P.bundle,
  });
  // Parse it before anything runs it: a zip or a truncated download fails here, by name.
  userData.addCommands(`node_bin=$(command -v node-22 || command -v node)`, `"$node_bin" --check ${local}`);

  const staticEnv = {
    PORT: String(o.port),
    AWS_REGION: o.region,
    DB_SSL: 'true',
    DB_SSL_CA_FILE: P.dbCa,
    REDIS_TLS_CA_FILE: P.systemCa,
    ...o.environment,
  };
  userData.addCommands(
    `cat > ${P.staticEnv} <<'EOF'`,
    ...Object.entries(staticEnv).map(([k, v]) => `${k}=${v}`),
    'EOF',
    `echo "INSTANCE_ID=$(ec2-metadata --instance-id | cut -d' ' -f2)" >> ${P.staticEnv}`,
    `echo "AZ=$(ec2-metadata --availability-zone | cut -d' ' -f2)" >> ${P.staticEnv}`,
    `cat > ${P.fetchEnv} <<'EOF'`,
    ...fetchEnvScript(o),
    'EOF',
    `chmod 0755 ${P.fetchEnv}`,
    `cat > ${P.unit} <<EOF`,
    ...serviceUnit('${node_bin}'),
    'EOF',
    ...cloudWatchAgent(o),
    'systemctl daemon-reload',
    // --no-block: `systemctl start` fails when the first attempt does (an SSM read that fails before the
    // routes or the endpoint answer) while systemd keeps restarting the unit; under set -e that would end
    // the boot. The health wait below decides, and fails at once only if the unit gave up.
    'systemctl enable --now --no-block ha-service',
    ...waitForHealth(o),
  );
  userData.addSignalOnExitCommand(o.resource);
}

/**
 * Writes the service environment: the static values plus every parameter under the path
 * (VARIABLE=value, the parameter's last path segment). Atomic, so a failed read never leaves a
 * half-written file; a failed read fails the start, and systemd tries again after RestartSec.
 */
function fetchEnvScript(o: ServiceUserDataOptions): string[] {
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    `tmp=$(mktemp ${P.env}.XXXXXX)`,
    'trap \'rm -f "$tmp"\' EXIT',
    `cat ${P.staticEnv} > "$tmp"`,
    `aws ssm get-parameters-by-path --region ${o.region} --path '${o.parameterPath}' --recursive ` +
      `--query 'Parameters[].[Name,Value]' --output text | while read -r name value; do echo "\${name##*/}=\${value}"; done >> "$tmp"`,
    'chmod 0644 "$tmp"',
    `mv "$tmp" ${P.env}`,
  ];
}

/** The systemd unit. `nodeBin` is expanded by the boot shell. */
function serviceUnit(nodeBin: string): string[] {
  return [
    '[Unit]',
    'Description=HA reference sample service',
    'After=network-online.target',
    'Wants=network-online.target',
    // Never stop retrying: configuration that is not there yet (a parameter created after the
    // instance) arrives with a later start.
    'StartLimitIntervalSec=0',
    '[Service]',
    'User=ha-service',
    // Re-read on every start, as root ('+': outside the sandbox below, which makes /etc read-only).
    `ExecStartPre=+${P.fetchEnv}`,
    // '-': the file does not exist before the first ExecStartPre has written it.
    `EnvironmentFile=-${P.env}`,
    `ExecStart=${nodeBin} ${P.bundle}`,
    'Restart=always',
    'RestartSec=5',
    // Longer delays while a start keeps failing (systemd 254+; older versions keep RestartSec).
    'RestartSteps=5',
    'RestartMaxDelaySec=60',
    // Configuration that is present but invalid: a restart cannot fix it (a new deploy replaces
    // the instance), so stay down, visibly; the boot's health wait reports it.
    `RestartPreventExitStatus=${EXIT_CONFIG_INVALID}`,
    // SIGTERM starts the drain; systemd waits longer than the ALB deregistration delay.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=60',
    'NoNewPrivileges=true',
    'ProtectSystem=strict',
    'ProtectHome=true',
    'PrivateTmp=true',
    `ReadWritePaths=${P.logDir}`,
    `StandardOutput=append:${P.log}`,
    `StandardError=append:${P.log}`,
    '[Install]',
    'WantedBy=multi-user.target',
  ];
}

/** Only a service that answers /healthz counts as a successful launch; a unit that gave up fails at once. */
function waitForHealth(o: ServiceUserDataOptions): string[] {
  const url = `http://127.0.0.1:${o.port}/healthz`;
  return [
    `deadline=$((SECONDS + ${o.healthWaitSeconds}))`,
    `until curl -fsS --max-time 2 ${url}; do`,
    '  if systemctl is-failed --quiet ha-service || [ "$SECONDS" -ge "$deadline" ]; then',
    `    echo "ha-service did not become healthy; last log lines:" >&2; tail -n 40 ${P.log} >&2 || true; exit 1`,
    '  fi',
    '  sleep 2',
    'done',
  ];
}

/**
 * The service's circuit-breaker gauge (service/src/metrics.ts: 0 closed, 1 half-open, 2 open) as the CloudWatch agent
 * publishes it: one metric per dependency, path (read/write) and trigger (errors/latency), instances aggregated.
 */
export const BREAKER_STATE_METRIC = {
  name: 'circuit_breaker_state',
  dimensions: ['dependency', 'path', 'trips_on'],
} as const;

/** The CloudWatch agent's config for the service log and the /metrics scrape (Prometheus → EMF). */
export function cloudWatchAgentConfig(o: {
  readonly serviceLogGroupName: string;
  readonly metricsLogGroupName: string;
  readonly metricsNamespace: string;
}): object {
  return {
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            { file_path: P.log, log_group_name: o.serviceLogGroupName, log_stream_name: '{instance_id}' },
          ],
        },
      },
      // The agent's schema puts the Prometheus scrape under metrics_collected, not logs_collected.
      metrics_collected: {
        prometheus: {
          log_group_name: o.metricsLogGroupName,
          prometheus_config_path: P.prometheusConfig,
          emf_processor: {
            metric_namespace: o.metricsNamespace,
            metric_declaration: [
              {
                source_labels: ['job'],
                label_matcher: '^ha-service$',
                dimensions: [['route', 'status']],
                metric_selectors: ['^http_requests_total$', '^http_request_duration_seconds_sum$'],
              },
              {
                source_labels: ['job'],
                label_matcher: '^ha-service$',
                dimensions: [[...BREAKER_STATE_METRIC.dimensions]],
                metric_selectors: [`^${BREAKER_STATE_METRIC.name}$`],
              },
              {
                source_labels: ['job'],
                label_matcher: '^ha-service$',
                dimensions: [['read', 'reason']],
                metric_selectors: ['^stale_reads_served_total$'],
              },
            ],
          },
        },
      },
    },
  };
}

function cloudWatchAgent(o: ServiceUserDataOptions): string[] {
  const prometheus = [
    'global:',
    '  scrape_interval: 60s',
    'scrape_configs:',
    '  - job_name: ha-service',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${o.port}']`,
    '    metrics_path: /metrics',
  ];
  return [
    `cat > ${P.prometheusConfig} <<'EOF'`,
    ...prometheus,
    'EOF',
    `cat > ${P.agentConfig} <<'EOF'`,
    JSON.stringify(cloudWatchAgentConfig(o)),
    'EOF',
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${P.agentConfig}`,
  ];
}
