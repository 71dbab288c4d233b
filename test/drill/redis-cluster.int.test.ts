import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import {
  freePorts,
  LOOPBACK,
  makeTempDir,
  removeTempDirs,
  registerTempDir,
  stopAll,
} from '../../drill/topology/proc';
import { RedisCluster } from '../../drill/topology/redis';

/**
 * The drill's Redis Cluster once failed to start in CI: a node's default bus port (port + 10000) is a port nobody
 * checked was free. Here every default bus port is taken; the cluster must still come up on the ports it was given.
 */
describe('drill Redis Cluster', () => {
  const squatters: Server[] = [];

  afterAll(async () => {
    await stopAll();
    await Promise.all(squatters.map((s) => new Promise((r) => s.close(r))));
    removeTempDirs();
  });

  test('GIVEN every port + 10000 already in use THEN the cluster starts on its explicit bus ports', async () => {
    let ports: number[] = [];
    // Client ports whose default bus port exists (≤ 65535) and can be squatted.
    while (ports.length < 6) ports = [...ports, ...(await freePorts(1)).filter((p) => p + 10_000 <= 65_535)];
    for (const p of ports) {
      const squatter = createServer();
      await new Promise<void>((resolve, reject) => {
        squatter.once('error', reject);
        squatter.listen(p + 10_000, LOOPBACK, resolve);
      });
      squatters.push(squatter);
    }
    const cluster = new RedisCluster({
      ports,
      busPorts: await freePorts(6),
      dir: join(registerTempDir(makeTempDir('redis-cluster-int-')), 'redis'),
    });
    await cluster.start();
    expect(await cluster.nodes[0].cli('cluster', 'info')).toContain('cluster_state:ok');
  });
});
