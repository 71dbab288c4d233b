import type { ResilienceRule } from '../rule';
import { Alb1MultiAz } from './alb1-multi-az';
import { Alb2HttpsTls } from './alb2-https-tls';
import { Alb3HttpRedirect } from './alb3-http-redirect';
import { Alb4InternetFacing } from './alb4-internet-facing';
import { Asg1EveryAz } from './asg1-every-az';
import { Asg2MinPerAz } from './asg2-min-per-az';
import { Asg3ElbHealthCheck } from './asg3-elb-health-check';
import { Backup1CrossRegionCopy } from './backup1-cross-region-copy';
import { Boot1DeployOrder } from './boot1-deploy-order';
import { Cache1AutomaticFailover } from './cache1-automatic-failover';
import { Cache2Replicas } from './cache2-replicas';
import { Cache3Encryption } from './cache3-encryption';
import { Db1Instances } from './db1-instances';
import { Db2SecondaryReaders } from './db2-secondary-readers';
import { Db3DeletionProtection } from './db3-deletion-protection';
import { Db4StorageEncrypted } from './db4-storage-encrypted';
import { Db5BackupRetention } from './db5-backup-retention';
import { Dns1HealthCheck } from './dns1-health-check';
import { Dns2FailoverPair } from './dns2-failover-pair';
import { Dns3ReadinessCheck } from './dns3-readiness-check';
import { Gdb1GlobalSecondary } from './gdb1-global-secondary';
import { Net1SubnetTiers } from './net1-subnet-tiers';
import { Net2NatPerAz } from './net2-nat-per-az';
import { Net3FlowLogs } from './net3-flow-logs';

/** Every rule of the pack, in report order. */
export const RESILIENCE_RULES: readonly ResilienceRule[] = [
  Net1SubnetTiers,
  Net2NatPerAz,
  Net3FlowLogs,
  Alb1MultiAz,
  Alb2HttpsTls,
  Alb3HttpRedirect,
  Alb4InternetFacing,
  Asg1EveryAz,
  Asg2MinPerAz,
  Asg3ElbHealthCheck,
  Db1Instances,
  Db2SecondaryReaders,
  Db3DeletionProtection,
  Db4StorageEncrypted,
  Db5BackupRetention,
  Gdb1GlobalSecondary,
  Cache1AutomaticFailover,
  Cache2Replicas,
  Cache3Encryption,
  Dns1HealthCheck,
  Dns2FailoverPair,
  Dns3ReadinessCheck,
  Backup1CrossRegionCopy,
  Boot1DeployOrder,
];
