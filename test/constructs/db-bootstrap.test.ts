import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DbBootstrap } from '../../lib/constructs/db-bootstrap';
import { PG_LAYER_ENTRY, pgLayerHash } from '../../lib/constructs/pg-layer';
import { synthDataTier, type DataTierFixture, type FixtureStack } from './data-tier-fixture';

/**
 * The bootstrap function takes the `pg` driver from the pg layer (built at synth by the local
 * esbuild), so its own bundle stays within the 20 KB Lambda budget (docs/architecture.md, "Budgets").
 * One synth of a primary and a secondary fixture stack with a DbBootstrap each.
 */

const BUDGET_BYTES = 20 * 1024;
type Res = { Type: string; Properties?: any };

let fx: DataTierFixture<DbBootstrap>;
beforeAll(() => {
  fx = synthDataTier((stack: FixtureStack) => {
    // Stands in for the cluster: a security group with the PostgreSQL default port.
    const database = {
      connections: new ec2.Connections({
        securityGroups: [new ec2.SecurityGroup(stack, 'Db', { vpc: stack.vpc, description: 'cluster' })],
        defaultPort: ec2.Port.tcp(5432),
      }),
    };
    return new DbBootstrap(stack, 'Bootstrap', {
      vpc: stack.vpc,
      database,
      host: 'cluster.example.internal',
      port: 5432,
      databaseName: 'app',
      masterSecret: fixtureSecret(stack, 'Master'),
      appUserSecret: fixtureSecret(stack, 'AppUser'),
      username: 'app_service',
      schema: 'app',
    });
  });
});

/** A stand-in secret; the Database construct rotates the real ones. */
function fixtureSecret(stack: FixtureStack, id: string): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(stack, id);
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: 'Test fixture secret; the Database construct attaches and rotates the real secrets.',
  });
  return secret;
}

const resources = (stack: FixtureStack): Record<string, Res> =>
  (stack === fx.primary.stack ? fx.primary : fx.secondary).template.toJSON().Resources;
const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as never);
/** The staged asset directory of a function or layer: asset.<hash> next to the templates (S3 key <hash>.zip). */
const assetDir = (stack: FixtureStack, id: string): string => {
  const props = resources(stack)[id].Properties;
  const key = (props.Code ?? props.Content).S3Key as string;
  expect(key).toMatch(/^[0-9a-f]{64}\.zip$/);
  return path.join((stack.node.root as App).outdir, `asset.${key.replace(/\.zip$/, '')}`);
};
/** Module names a CommonJS bundle still requires at run time. */
const requiredModules = (code: string) =>
  new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
/** Code only the pg driver and its dependencies carry: SCRAM auth, protocol parser, connection strings. */
const PG_DRIVER_MARKERS = ['SCRAM-SHA-256', 'parseComplete', 'sslrootcert'];

describe.each(['primary', 'secondary'] as const)('%s stack', (role) => {
  const stack = () => fx[role].stack;
  const built = () => fx[role].built;

  test('GIVEN a DbBootstrap WHEN synthesized THEN its function loads pg from a Node.js 22 arm64 layer', () => {
    const res = resources(stack());
    const fn = res[logicalId(stack(), built().function)];
    const layerId = logicalId(stack(), built().pgLayer);
    expect(fn.Properties.Layers).toEqual([{ Ref: layerId }]);
    const layer = res[layerId];
    expect(layer.Type).toBe('AWS::Lambda::LayerVersion');
    // The layer must match the function's runtime and architecture, or pg would not load.
    expect(layer.Properties.CompatibleRuntimes).toEqual([fn.Properties.Runtime]);
    expect(layer.Properties.CompatibleArchitectures).toEqual(fn.Properties.Architectures);
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    expect(fn.Properties.Architectures).toEqual(['arm64']);
  });

  test('the function bundle requires pg from the layer, carries none of the driver and is within 20 KB', () => {
    const dir = assetDir(stack(), logicalId(stack(), built().function));
    const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(requiredModules(code)).toContain('pg');
    for (const marker of PG_DRIVER_MARKERS) expect(code).not.toContain(marker);
  });

  test('the layer holds pg and all its dependencies in one file that loads and exports the driver API', () => {
    const dir = assetDir(stack(), logicalId(stack(), built().pgLayer));
    const file = path.join(dir, PG_LAYER_ENTRY);
    const code = fs.readFileSync(file, 'utf8');
    for (const marker of PG_DRIVER_MARKERS) expect(code).toContain(marker);
    // Nothing but Node.js built-ins (and the never-used native binding) is left to resolve on Lambda.
    const unresolved = [...requiredModules(code)].filter(
      (m) => !builtinModules.includes(m.replace(/^node:/, '')) && m !== 'pg-native',
    );
    expect(unresolved).toEqual([]);
    // What the handler imports from pg.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pg = require(file) as Record<string, unknown>;
    expect(typeof pg.Client).toBe('function');
    expect((pg.escapeIdentifier as (s: string) => string)('a"b')).toBe('"a""b"');
    expect((pg.escapeLiteral as (s: string) => string)("it's")).toBe("'it''s'");
  });
});

test('the bootstrap function and its layer pass cdk-nag with no findings', () => {
  expect(fx.nagFailure).toBeUndefined();
});

describe('pg layer asset hash', () => {
  const lock = (over: Record<string, object> = {}) => ({
    packages: {
      '': { dependencies: { pg: '8.0.0', zod: '4.0.0' } },
      'node_modules/pg': {
        version: '8.0.0',
        integrity: 'sha512-pg',
        dependencies: { 'pg-protocol': '^1.0.0' },
        optionalDependencies: { 'pg-cloudflare': '^1.0.0' },
      },
      'node_modules/pg-protocol': { version: '1.0.0', integrity: 'sha512-proto' },
      'node_modules/pg-cloudflare': { version: '1.0.0', integrity: 'sha512-cf' },
      'node_modules/zod': { version: '4.0.0', integrity: 'sha512-zod' },
      ...over,
    },
  });

  test('GIVEN the same lock file WHEN hashed twice THEN the hash is the same (deterministic synth)', () => {
    expect(pgLayerHash(lock())).toBe(pgLayerHash(lock()));
  });

  test('GIVEN an unrelated package changes THEN the layer hash is unchanged (no needless new layer version)', () => {
    const changed = lock({ 'node_modules/zod': { version: '4.1.0', integrity: 'sha512-zod2' } });
    expect(pgLayerHash(changed)).toBe(pgLayerHash(lock()));
  });

  test('GIVEN pg, a dependency of it or a nested copy changes THEN the layer hash changes', () => {
    const base = pgLayerHash(lock());
    expect(pgLayerHash(lock({ 'node_modules/pg': { version: '8.0.1', integrity: 'sha512-pg2' } }))).not.toBe(
      base,
    );
    expect(
      pgLayerHash(lock({ 'node_modules/pg-protocol': { version: '1.0.1', integrity: 'sha512-proto2' } })),
    ).not.toBe(base);
    expect(
      pgLayerHash(lock({ 'node_modules/pg-cloudflare': { version: '1.0.1', integrity: 'sha512-cf2' } })),
    ).not.toBe(base);
    // npm resolves pg's own nested copy before the hoisted one.
    expect(
      pgLayerHash(
        lock({
          'node_modules/pg/node_modules/pg-protocol': { version: '2.0.0', integrity: 'sha512-nested' },
        }),
      ),
    ).not.toBe(base);
  });

  test('GIVEN a lock file without pg THEN hashing fails naming the missing entry', () => {
    expect(() => pgLayerHash({ packages: { '': {} } })).toThrow(
      /package-lock\.json has no node_modules\/pg entry/,
    );
  });
});
