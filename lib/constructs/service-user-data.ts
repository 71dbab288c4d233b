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
  /** @default - placeholder answering /healthz and /readyz */
  readonly serviceAsset?: s3assets.Asset;
  readonly environment: Readonly<Record<string, string>>;
  /** Log group the CloudWatch agent ships the service log to. */
  readonly serviceLogGroupName: string;
  /** Log group for the Prometheus scrape (embedded metric format → CloudWatch metrics). */
  readonly metricsLogGroupName: string;
  /** CloudWatch namespace of the scraped service metrics. */
  readonly metricsNamespace: string;
}

const SERVICE_DIR = '/opt/ha-service';
const ENV_FILE = '/etc/ha-service/env';

/**
 * Boot script for a service instance: install Node.js from the OS packages, fetch the bundle,
 * turn the region's SSM runtime parameters into an environment file (endpoints and secret
 * names only; credentials are read by the service at run time), run it under systemd as an
 * unprivileged user, and signal CloudFormation only once /healthz answers.
 */
export function serviceUserData(userData: ec2.UserData, o: ServiceUserDataOptions): void {
  userData.addCommands(
    'set -euo pipefail',
    'dnf install -y nodejs22 aws-cfn-bootstrap amazon-cloudwatch-agent',
    'id ha-service >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin ha-service',
    `mkdir -p ${SERVICE_DIR} /etc/ha-service /var/log/ha-service`,
    'chown ha-service /var/log/ha-service',
    // RDS CA bundle so the service verifies the database's TLS certificate.
    'curl -fsSL --retry 5 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem -o /etc/ha-service/rds-ca.pem',
  );
  if (o.serviceAsset) {
    const local = userData.addS3DownloadCommand({
      bucket: o.serviceAsset.bucket,
      bucketKey: o.serviceAsset.s3ObjectKey,
      localFile: `${SERVICE_DIR}/index.js`,
    });
    userData.addCommands(`test -s ${local}`);
  } else {
    // Placeholder until the sample service ships: answers the two health paths with 200.
    userData.addCommands(
      `cat > ${SERVICE_DIR}/index.js <<'EOF'`,
      "require('http').createServer((q,s)=>{const ok=/^\\/(healthz|readyz)/.test(q.url);s.writeHead(ok?200:404,{'content-type':'application/json'});s.end(JSON.stringify({status:ok?'ok':'not_found'}))}).listen(process.env.PORT||8080);",
      'EOF',
    );
  }
  const staticEnv = {
    PORT: String(o.port),
    AWS_REGION: o.region,
    DB_SSL: 'true',
    DB_SSL_CA_FILE: '/etc/ha-service/rds-ca.pem',
    ...o.environment,
  };
  userData.addCommands(
    `cat > ${ENV_FILE} <<'EOF'`,
    ...Object.entries(staticEnv).map(([k, v]) => `${k}=${v}`),
    'EOF',
    // Each parameter under the path becomes VARIABLE=value (the parameter's last path segment).
    `aws ssm get-parameters-by-path --region ${o.region} --path '${o.parameterPath}' --recursive ` +
      `--query 'Parameters[].[Name,Value]' --output text | while read -r name value; do echo "\${name##*/}=\${value}"; done >> ${ENV_FILE}`,
    'echo "INSTANCE_ID=$(ec2-metadata --instance-id | cut -d" " -f2)" >> ' + ENV_FILE,
    'echo "AZ=$(ec2-metadata --availability-zone | cut -d" " -f2)" >> ' + ENV_FILE,
    'NODE_BIN=$(command -v node-22 || command -v node)',
    `cat > /etc/systemd/system/ha-service.service <<EOF`,
    '[Unit]',
    'Description=HA reference sample service',
    'After=network-online.target',
    'Wants=network-online.target',
    '[Service]',
    'User=ha-service',
    `EnvironmentFile=${ENV_FILE}`,
    `ExecStart=\${NODE_BIN} ${SERVICE_DIR}/index.js`,
    'Restart=always',
    'RestartSec=2',
    // Exit code 2 is a configuration error: restarting cannot fix it, so stay down and visible.
    'RestartPreventExitStatus=2',
    // SIGTERM starts the drain; systemd waits longer than the ALB deregistration delay.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=60',
    'NoNewPrivileges=true',
    'ProtectSystem=strict',
    'ProtectHome=true',
    'PrivateTmp=true',
    'ReadWritePaths=/var/log/ha-service',
    'StandardOutput=append:/var/log/ha-service/service.log',
    'StandardError=append:/var/log/ha-service/service.log',
    '[Install]',
    'WantedBy=multi-user.target',
    'EOF',
    'systemctl daemon-reload',
    'systemctl enable --now ha-service',
    ...cloudWatchAgent(o),
    // Only a service that answers /healthz counts as a successful launch.
    `for i in $(seq 1 90); do curl -fsS http://127.0.0.1:${o.port}/healthz && break; sleep 2; done`,
    `curl -fsS http://127.0.0.1:${o.port}/healthz`,
  );
  userData.addSignalOnExitCommand(o.resource);
}

/** Ships the service log and scrapes /metrics (Prometheus) into CloudWatch. */
function cloudWatchAgent(o: ServiceUserDataOptions): string[] {
  const port = o.port;
  const agentConfig = {
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            {
              file_path: '/var/log/ha-service/service.log',
              log_group_name: '/ha-service/app',
              log_stream_name: '{instance_id}',
            },
          ],
        },
        prometheus: {
          log_group_name: o.metricsLogGroupName,
          prometheus_config_path: '/opt/aws/amazon-cloudwatch-agent/etc/prometheus.yaml',
          emf_processor: {
            metric_namespace: o.metricsNamespace,
            metric_declaration: [
              {
                source_labels: ['job'],
                label_matcher: '^ha-service$',
                dimensions: [['route', 'status_code']],
                metric_selectors: ['^http_requests_total$', '^http_request_duration_seconds_sum$'],
              },
            ],
          },
        },
      },
    },
  };
  const prometheus = [
    'global:',
    '  scrape_interval: 60s',
    'scrape_configs:',
    '  - job_name: ha-service',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${port}']`,
    '    metrics_path: /metrics',
  ];
  return [
    "cat > /opt/aws/amazon-cloudwatch-agent/etc/prometheus.yaml <<'EOF'",
    ...prometheus,
    'EOF',
    "cat > /opt/aws/amazon-cloudwatch-agent/etc/ha-service.json <<'EOF'",
    JSON.stringify(agentConfig),
    'EOF',
    '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/ha-service.json',
  ];
}
