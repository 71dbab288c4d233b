/**
 * On-demand list prices the cost model uses, one row per price, each with the
 * page it was read from and the date it was checked. `basis` says how firm it
 * is: `quoted` was read on the page named on the date given; `unverified` is
 * the list price as this project knows it, with the page where AWS publishes
 * it (the stored copy did not show the figure): check it before relying on it.
 * Prices are for US East (N. Virginia) and US West (Oregon), which list the
 * same rates for these services; other regions are priced at these rates and
 * the report says so.
 */
export type PriceBasis = 'quoted' | 'unverified';

export type PriceUnit =
  'hour' | 'GB-month' | 'GB' | 'month' | 'million requests' | 'run' | 'LCU-hour' | 'vCPU-hour';

export interface PriceConstant {
  readonly id: PriceId;
  readonly label: string;
  readonly usd: number;
  readonly unit: PriceUnit;
  readonly regions: readonly string[];
  readonly basis: PriceBasis;
  readonly sourceTitle: string;
  readonly sourceUrl: string;
  /** ISO date the source was checked. */
  readonly checked: string;
}

/** Regions the table's prices are for. */
export const PRICED_REGIONS = ['us-east-1', 'us-west-2'] as const;

/** Hours in the month the model bills (AWS's pricing examples use 730). */
export const HOURS_PER_MONTH = 730;

const CHECKED = '2026-12-03';
const US = PRICED_REGIONS;

const EC2 = {
  sourceTitle: 'Amazon EC2 On-Demand Pricing',
  sourceUrl: 'https://aws.amazon.com/ec2/pricing/on-demand/',
};
const AURORA = {
  sourceTitle: 'Amazon Aurora Pricing',
  sourceUrl: 'https://aws.amazon.com/rds/aurora/pricing/',
};
const ELASTICACHE = {
  sourceTitle: 'Amazon ElastiCache Pricing (node-based, on demand)',
  sourceUrl: 'https://aws.amazon.com/elasticache/pricing/',
};
const CLOUDWATCH = {
  sourceTitle: 'Amazon CloudWatch Pricing',
  sourceUrl: 'https://aws.amazon.com/cloudwatch/pricing/',
};

/** Instance-hour prices: `ec2:<type>`, `rds:<db class>`, `cache:<node type>:<engine>`. */
const INSTANCE_PRICES: readonly PriceConstant[] = [
  {
    id: 'ec2:m7g.large',
    label: 'EC2 m7g.large, Linux, on demand',
    usd: 0.0816,
    unit: 'hour',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'FactualMinds: Amazon EC2 On-Demand Pricing (2026), quoting the AWS rate card for us-east-1',
    sourceUrl: 'https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/',
    checked: CHECKED,
  },
  {
    id: 'ec2:m7gd.large',
    label: 'EC2 m7gd.large, Linux, on demand',
    usd: 0.1068,
    unit: 'hour',
    regions: US,
    basis: 'unverified',
    ...EC2,
    checked: CHECKED,
  },
  {
    id: 'ec2:t4g.small',
    label: 'EC2 t4g.small, Linux, on demand',
    usd: 0.0168,
    unit: 'hour',
    regions: US,
    basis: 'unverified',
    ...EC2,
    checked: CHECKED,
  },
  {
    id: 'ec2:t4g.medium',
    label: 'EC2 t4g.medium, Linux, on demand',
    usd: 0.0336,
    unit: 'hour',
    regions: US,
    basis: 'unverified',
    ...EC2,
    checked: CHECKED,
  },
  {
    id: 'rds:db.r6g.large',
    label: 'Aurora PostgreSQL db.r6g.large, Aurora Standard, on demand',
    usd: 0.3,
    unit: 'hour',
    regions: US,
    basis: 'quoted',
    sourceTitle:
      'RDS vs Aurora cost calculator (third party; Aurora Postgres column), pointing to aws.amazon.com/rds/aurora/pricing',
    sourceUrl: 'https://store-v2-khaki.vercel.app/rds-vs-aurora-cost-calculator.html',
    checked: CHECKED,
  },
  {
    id: 'cache:cache.r7g.large:valkey',
    label: 'ElastiCache cache.r7g.large, Valkey',
    usd: 0.1752,
    unit: 'hour',
    regions: US,
    basis: 'unverified',
    ...ELASTICACHE,
    checked: CHECKED,
  },
  {
    id: 'cache:cache.r7g.large:redis',
    label: 'ElastiCache cache.r7g.large, Redis OSS',
    usd: 0.219,
    unit: 'hour',
    regions: US,
    basis: 'unverified',
    ...ELASTICACHE,
    checked: CHECKED,
  },
  {
    id: 'cache:cache.t4g.medium:valkey',
    label: 'ElastiCache cache.t4g.medium, Valkey',
    usd: 0.052,
    unit: 'hour',
    regions: US,
    basis: 'unverified',
    ...ELASTICACHE,
    checked: CHECKED,
  },
  {
    id: 'cache:cache.t4g.medium:redis',
    label: 'ElastiCache cache.t4g.medium, Redis OSS',
    usd: 0.065,
    unit: 'hour',
    regions: US,
    basis: 'unverified',
    ...ELASTICACHE,
    checked: CHECKED,
  },
  {
    id: 'cache:cache.t4g.small:valkey',
    label: 'ElastiCache cache.t4g.small, Valkey',
    usd: 0.0256,
    unit: 'hour',
    regions: US,
    basis: 'unverified',
    ...ELASTICACHE,
    checked: CHECKED,
  },
  {
    id: 'cache:cache.t4g.small:redis',
    label: 'ElastiCache cache.t4g.small, Redis OSS',
    usd: 0.032,
    unit: 'hour',
    regions: US,
    basis: 'unverified',
    ...ELASTICACHE,
    checked: CHECKED,
  },
];

export type PriceId =
  | `ec2:${string}`
  | `rds:${string}`
  | `cache:${string}`
  | 'ebsGp3'
  | 'auroraStorage'
  | 'auroraIo'
  | 'globalDbReplicatedWriteIo'
  | 'interRegionTransfer'
  | 'natGatewayHour'
  | 'natGatewayData'
  | 'publicIpv4'
  | 'interfaceEndpointHour'
  | 'interfaceEndpointData'
  | 'rdsProxyVcpu'
  | 'albHour'
  | 'albLcu'
  | 'internetEgress'
  | 'kmsKey'
  | 'secret'
  | 'wafWebAcl'
  | 'wafRule'
  | 'arcRegionSwitchPlan'
  | 'wafRequests'
  | 'canaryRun'
  | 'logIngestion'
  | 'logStorage'
  | 'alarmMetric'
  | 'dashboard'
  | 'route53HealthCheck'
  | 'route53HealthCheckOption';

const SERVICE_PRICES: readonly PriceConstant[] = [
  {
    id: 'ebsGp3',
    label: 'EBS gp3 volume storage',
    usd: 0.08,
    unit: 'GB-month',
    regions: US,
    basis: 'unverified',
    sourceTitle: 'Amazon EBS Pricing',
    sourceUrl: 'https://aws.amazon.com/ebs/pricing/',
    checked: CHECKED,
  },
  {
    id: 'auroraStorage',
    label: 'Aurora Standard storage (each region of a global cluster stores a copy)',
    usd: 0.1,
    unit: 'GB-month',
    regions: US,
    basis: 'quoted',
    sourceTitle:
      'JusDB / RDS vs Aurora cost calculator (third party), Aurora Standard storage $0.10 per GB-month',
    sourceUrl: 'https://store-v2-khaki.vercel.app/rds-vs-aurora-cost-calculator.html',
    checked: CHECKED,
  },
  {
    id: 'auroraIo',
    label: 'Aurora Standard I/O requests',
    usd: 0.2,
    unit: 'million requests',
    regions: US,
    basis: 'quoted',
    sourceTitle:
      'JusDB: AWS RDS vs Aurora vs Serverless cost comparison (third party), $0.20 per million I/Os',
    sourceUrl: 'https://www.jusdb.com/blog/aws-rds-vs-aurora-vs-serverless-cost-comparison',
    checked: CHECKED,
  },
  {
    id: 'globalDbReplicatedWriteIo',
    label: 'Aurora Global Database replicated write I/Os (billed per secondary region)',
    usd: 0.2,
    unit: 'million requests',
    regions: US,
    basis: 'unverified',
    ...AURORA,
    checked: CHECKED,
  },
  {
    id: 'interRegionTransfer',
    label: 'Data transfer between AWS regions (Global Database replication)',
    usd: 0.02,
    unit: 'GB',
    regions: US,
    basis: 'unverified',
    sourceTitle: 'Amazon EC2 On-Demand Pricing: Data Transfer',
    sourceUrl: 'https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer',
    checked: CHECKED,
  },
  {
    id: 'natGatewayHour',
    label: 'NAT gateway hour',
    usd: 0.045,
    unit: 'hour',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'AWS NAT Gateway pricing 2026 (third party; US East and US West ~$0.045/hr)',
    sourceUrl: 'https://cloudpipelines.pages.dev/guides/aws-nat-gateway-pricing-2026/',
    checked: CHECKED,
  },
  {
    id: 'natGatewayData',
    label: 'NAT gateway data processed',
    usd: 0.045,
    unit: 'GB',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'AWS NAT Gateway pricing 2026 (third party; US East and US West ~$0.045/GB)',
    sourceUrl: 'https://cloudpipelines.pages.dev/guides/aws-nat-gateway-pricing-2026/',
    checked: CHECKED,
  },
  {
    id: 'publicIpv4',
    label: 'Public IPv4 address (NAT gateway EIPs, one per ALB AZ)',
    usd: 0.005,
    unit: 'hour',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'CloudBurn: AWS NAT Gateway Pricing (third party), public IPv4 $0.005/hour per IP',
    sourceUrl: 'https://cloudburn.io/blog/aws-nat-gateway-pricing',
    checked: CHECKED,
  },
  {
    id: 'interfaceEndpointHour',
    label: 'Interface VPC endpoint, per AZ',
    usd: 0.01,
    unit: 'hour',
    regions: US,
    basis: 'quoted',
    sourceTitle:
      'NAT Gateway data processing (third party): interface endpoints ~$0.01/hour per endpoint per AZ',
    sourceUrl: 'https://knbrlo.com/notes/aws/nat-gateway-data-processing',
    checked: CHECKED,
  },
  {
    id: 'interfaceEndpointData',
    label: 'Interface VPC endpoint data processed (first PB)',
    usd: 0.01,
    unit: 'GB',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'AWS PrivateLink Pricing (Interface Endpoint pricing table)',
    sourceUrl: 'https://aws.amazon.com/privatelink/pricing/',
    checked: CHECKED,
  },
  {
    id: 'rdsProxyVcpu',
    label: 'RDS Proxy, per vCPU of the cluster’s instances (minimum 2)',
    usd: 0.015,
    unit: 'vCPU-hour',
    regions: US,
    basis: 'unverified',
    sourceTitle: 'Amazon RDS Proxy Pricing',
    sourceUrl: 'https://aws.amazon.com/rds/proxy/pricing/',
    checked: CHECKED,
  },
  {
    id: 'albHour',
    label: 'Application Load Balancer hour',
    usd: 0.0225,
    unit: 'hour',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'Cloud Horizons: ALB, the line item nobody watches (third party), $0.0225 per ALB-hour',
    sourceUrl: 'https://cloud-horizons.com/blog/alb-the-line-item-nobody-watches/',
    checked: CHECKED,
  },
  {
    id: 'albLcu',
    label: 'ALB capacity unit (1 LCU = 1 GB/hour processed to EC2 targets)',
    usd: 0.008,
    unit: 'LCU-hour',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'Cloud Horizons: ALB, the line item nobody watches (third party), $0.008 per LCU-hour',
    sourceUrl: 'https://cloud-horizons.com/blog/alb-the-line-item-nobody-watches/',
    checked: CHECKED,
  },
  {
    id: 'internetEgress',
    label: 'Data transfer out to the internet (first 10 TB)',
    usd: 0.09,
    unit: 'GB',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'AWS NAT Gateway pricing 2026 (third party), standard egress $0.09/GB first 10 TB',
    sourceUrl: 'https://cloudpipelines.pages.dev/guides/aws-nat-gateway-pricing-2026/',
    checked: CHECKED,
  },
  {
    id: 'kmsKey',
    label: 'KMS customer managed key',
    usd: 1,
    unit: 'month',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'Wring: AWS KMS pricing guide (third party), $1.00 per customer managed key per month',
    sourceUrl: 'https://www.wring.co/blog/aws-kms-pricing-guide',
    checked: CHECKED,
  },
  {
    id: 'secret',
    label: 'Secrets Manager secret (a replica counts as a secret in its region)',
    usd: 0.4,
    unit: 'month',
    regions: US,
    basis: 'unverified',
    sourceTitle: 'AWS Secrets Manager Pricing',
    sourceUrl: 'https://aws.amazon.com/secrets-manager/pricing/',
    checked: CHECKED,
  },
  {
    id: 'arcRegionSwitchPlan',
    label: 'ARC Region switch plan',
    usd: 70,
    unit: 'month',
    regions: US,
    basis: 'unverified',
    sourceTitle: 'Amazon Application Recovery Controller (ARC) Pricing',
    sourceUrl: 'https://aws.amazon.com/application-recovery-controller/pricing/',
    checked: CHECKED,
  },
  {
    id: 'wafWebAcl',
    label: 'AWS WAF web ACL',
    usd: 5,
    unit: 'month',
    regions: US,
    basis: 'unverified',
    sourceTitle: 'AWS WAF Pricing',
    sourceUrl: 'https://aws.amazon.com/waf/pricing/',
    checked: CHECKED,
  },
  {
    id: 'wafRule',
    label: 'AWS WAF rule (per web ACL)',
    usd: 1,
    unit: 'month',
    regions: US,
    basis: 'unverified',
    sourceTitle: 'AWS WAF Pricing',
    sourceUrl: 'https://aws.amazon.com/waf/pricing/',
    checked: CHECKED,
  },
  {
    id: 'wafRequests',
    label: 'AWS WAF requests',
    usd: 0.6,
    unit: 'million requests',
    regions: US,
    basis: 'unverified',
    sourceTitle: 'AWS WAF Pricing',
    sourceUrl: 'https://aws.amazon.com/waf/pricing/',
    checked: CHECKED,
  },
  {
    id: 'canaryRun',
    label: 'CloudWatch Synthetics canary run (free tier of 100 runs not deducted)',
    usd: 0.0012,
    unit: 'run',
    regions: US,
    basis: 'unverified',
    ...CLOUDWATCH,
    checked: CHECKED,
  },
  {
    id: 'logIngestion',
    label: 'CloudWatch Logs ingestion (standard)',
    usd: 0.5,
    unit: 'GB',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'FactualMinds: Amazon CloudWatch Pricing (third party), Logs ingestion $0.50/GB',
    sourceUrl: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/',
    checked: CHECKED,
  },
  {
    id: 'logStorage',
    label: 'CloudWatch Logs storage (archive)',
    usd: 0.03,
    unit: 'GB-month',
    regions: US,
    basis: 'unverified',
    ...CLOUDWATCH,
    checked: CHECKED,
  },
  {
    id: 'alarmMetric',
    label: 'CloudWatch standard-resolution alarm metric',
    usd: 0.1,
    unit: 'month',
    regions: US,
    basis: 'unverified',
    ...CLOUDWATCH,
    checked: CHECKED,
  },
  {
    id: 'dashboard',
    label: 'CloudWatch dashboard (3 free per account not deducted)',
    usd: 3,
    unit: 'month',
    regions: US,
    basis: 'quoted',
    sourceTitle: 'FactualMinds: Amazon CloudWatch Pricing (third party), dashboards $3 each',
    sourceUrl: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/',
    checked: CHECKED,
  },
  {
    id: 'route53HealthCheck',
    label: 'Route 53 health check of an AWS endpoint',
    usd: 0.5,
    unit: 'month',
    regions: US,
    basis: 'quoted',
    sourceTitle:
      'Route 53 health checks lesson (third party): about $0.50/month for an AWS endpoint, plus optional features',
    sourceUrl: 'https://wewantcode.com/en/course/aws/lesson/7-84-health-checks-status-check.html',
    checked: CHECKED,
  },
  {
    id: 'route53HealthCheckOption',
    label: 'Route 53 health check optional feature (HTTPS, fast interval, latency), each',
    usd: 1,
    unit: 'month',
    regions: US,
    basis: 'unverified',
    sourceTitle: 'Amazon Route 53 Pricing: Health checks',
    sourceUrl: 'https://aws.amazon.com/route53/pricing/',
    checked: CHECKED,
  },
];

/** The table in print order. */
export const PRICE_TABLE: readonly PriceConstant[] = [...INSTANCE_PRICES, ...SERVICE_PRICES];

const BY_ID = new Map<string, PriceConstant>(PRICE_TABLE.map((p) => [p.id, p]));

/** One price by id; undefined for an instance type the table does not list (the report names it). */
export function findPrice(id: PriceId): PriceConstant | undefined {
  return BY_ID.get(id);
}

/** One price that must exist (a service price). */
export function price(id: PriceId): PriceConstant {
  const p = BY_ID.get(id);
  if (!p) throw new Error(`Unknown price '${id}'`);
  return p;
}
