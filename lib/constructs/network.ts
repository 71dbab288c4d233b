import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LogsKey } from './logs-key';

export interface NetworkProps {
  /** AZs to span, from config (never looked up). At least 2 (INV-NET). */
  readonly availabilityZones: readonly string[];
  /**
   * VPC CIDR block.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * Days of VPC flow logs kept.
   * @default logs.RetentionDays.ONE_YEAR (the floor of AWS Control Tower CT.CLOUDWATCH.PR.2)
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * INV-NET: a VPC over every configured AZ with public, private-with-egress and isolated subnets
 * in each, one NAT gateway per AZ (each private subnet routes through its own AZ's NAT, so losing
 * an AZ never cuts another AZ's egress), flow logs, and VPC endpoints so the instances reach S3
 * and Systems Manager without depending on NAT.
 */
export class Network extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly flowLogGroup: logs.LogGroup;
  public readonly interfaceEndpoints: ec2.InterfaceVpcEndpoint[] = [];
  public readonly publicSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PUBLIC };
  public readonly privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  public readonly isolatedSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const azs = [...props.availabilityZones];
    if (azs.length < 2) {
      throw new Error(
        `Network: availabilityZones has ${azs.length} AZ(s) [${azs.join(', ')}]; INV-NET needs at least 2`,
      );
    }

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.0.0.0/16'),
      availabilityZones: azs,
      natGateways: azs.length,
      subnetConfiguration: [
        // Only the ALB and the NAT gateways live here and both get their addresses explicitly
        // (ALB-managed, Elastic IPs); nothing should pick up a public IP by launching here.
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      restrictDefaultSecurityGroup: true,
    });

    // restrictDefaultSecurityGroup runs a CDK-internal, stack-singleton custom-resource Lambda.
    const restrictDefaultSgHandler = Stack.of(this)
      .node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider')
      ?.node.tryFindChild('Handler');
    if (restrictDefaultSgHandler) {
      Validations.of(restrictDefaultSgHandler).acknowledge({
        id: 'CT.LAMBDA.PR.3',
        reason:
          "aws-cdk-lib's provider for restrictDefaultSecurityGroup offers no VPC option; it runs only during deployments, calling EC2 to remove the rules of this VPC's default security group. Inside this VPC it would depend on the NAT routes it is created alongside.",
      });
    }

    // AZs are explicit by design: synth stays offline and tests can prove every AZ is covered.
    for (const subnet of [
      ...this.vpc.publicSubnets,
      ...this.vpc.privateSubnets,
      ...this.vpc.isolatedSubnets,
    ]) {
      Validations.of(subnet).acknowledge({
        id: 'CloudFormation-Validate::W3010',
        reason:
          'AZ names come from the validated config (each checked to belong to the region) so synth needs no lookup and the per-AZ invariants are testable; forks set their own AZs in config.',
      });
    }

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: LogsKey.of(this).key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    // S3 (asset download) via a free gateway endpoint; SSM and Secrets Manager via interface
    // endpoints in every AZ, so management and credential reads survive a NAT outage.
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const endpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
      SsmMessages: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
      Ec2Messages: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    };
    for (const [name, service] of Object.entries(endpoints)) {
      const endpoint = this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: this.privateSubnets,
        privateDnsEnabled: true,
      });
      // With private DNS every client in the VPC resolves the API to this endpoint (instances,
      // rotation functions), so it admits the VPC's own CIDR and nothing else.
      Validations.of(endpoint).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          'Ingress is the VPC CIDR only (Fn::GetAtt of the VPC, which the rule cannot resolve); no internet source can reach an interface endpoint.',
      });
      this.interfaceEndpoints.push(endpoint);
    }
  }
}
