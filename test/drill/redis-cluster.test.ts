import { RedisCluster } from '../../drill/topology/redis';

const ports = [7001, 7002, 7003, 7004, 7005, 7006];

describe('RedisCluster options', () => {
  test('GIVEN one bus port short THEN the error names the count', () => {
    expect(
      () => new RedisCluster({ ports, busPorts: [17001, 17002, 17003, 17004, 17005], dir: '/tmp/x' }),
    ).toThrow(/one bus port per node \(6\), got 5/);
  });

  test('GIVEN a bus port that is also a client port THEN refused', () => {
    expect(
      () => new RedisCluster({ ports, busPorts: [7002, 17002, 17003, 17004, 17005, 17006], dir: '/tmp/x' }),
    ).toThrow(/must all differ/);
  });

  test('GIVEN explicit bus ports THEN each node gets its own', () => {
    const busPorts = [20001, 20002, 20003, 20004, 20005, 20006];
    const cluster = new RedisCluster({ ports, busPorts, dir: '/tmp/x' });
    expect(cluster.nodes.map((n) => [n.port, n.busPort])).toEqual(ports.map((p, i) => [p, busPorts[i]]));
  });
});
