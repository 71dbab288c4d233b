import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import { REPLICATION_GROUP } from './cache1-automatic-failover';

export const Cache2Replicas: ResilienceRule = {
  id: 'RES-CACHE2',
  description: 'Each ElastiCache replication group has >= 1 replica per shard (node group).',
  invariant: 'INV-CACHE',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, REPLICATION_GROUP, (stack, _id, props) => {
      let replicas: (number | undefined)[];
      if (props.ReplicasPerNodeGroup !== undefined) replicas = [stack.num(props.ReplicasPerNodeGroup)];
      else if (props.NodeGroupConfiguration !== undefined) {
        replicas = (stack.list(props.NodeGroupConfiguration) ?? [undefined]).map((g) =>
          stack.num(((g ?? {}) as Record<string, unknown>).ReplicaCount),
        );
      } else if (props.NumCacheClusters !== undefined) {
        const nodes = stack.num(props.NumCacheClusters);
        replicas = [nodes === undefined ? undefined : nodes - 1];
      } else replicas = [0];
      const least = replicas.some((r) => r === undefined) ? undefined : Math.min(...(replicas as number[]));
      if (least === undefined) return { compliant: false, message: 'replica count is not a literal number' };
      return least >= 1
        ? { compliant: true, message: `${least} replica(s) per shard` }
        : { compliant: false, message: `${least} replica(s) in a shard, at least 1 required` };
    }),
};
