/** The pair every failover runbook test runs against, and the environment the runbook's stack gives it. */
export const PRIMARY = {
  region: 'us-east-1',
  cluster: 'ha-ref-us-east-1',
  fqdn: 'us-east-1.app.example.com',
};
export const DR = { region: 'us-west-2', cluster: 'ha-ref-us-west-2', fqdn: 'us-west-2.app.example.com' };

/** Sets the runbook's environment as its stack does, running in DR unless `extra` says otherwise. */
export function setRunbookEnv(extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    AWS_REGION: DR.region,
    GLOBAL_CLUSTER_ID: 'ha-ref-global',
    PRIMARY_REGION: PRIMARY.region,
    PRIMARY_CLUSTER_ID: PRIMARY.cluster,
    PRIMARY_HEALTH_CHECK_FQDN: PRIMARY.fqdn,
    DR_REGION: DR.region,
    DR_CLUSTER_ID: DR.cluster,
    DR_HEALTH_CHECK_FQDN: DR.fqdn,
    FENCE_DRAIN_SECONDS: '70',
    ...extra,
  });
}
