import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diagramModel, DiagramModelError, renderSvg, type DiagramModel } from '../../lib/diagram';
import { stacksFromManifest } from '../../lib/report';
import { diagramOf, parseDiagramArgs, runDiagram } from '../../scripts/diagram';
import { defaultApp, PROJECT_ROOT } from '../helpers/app';

// GIVEN the app synthesized once with the default config (the assembly npm run synth writes)
const { assembly, config } = defaultApp();
const assemblyDir = assembly.directory;

function readStacks(dir: string) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return stacksFromManifest(manifest, (file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
}

/** A copy of the assembly's manifest and templates, to break on purpose. */
function copyAssembly(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagram-assembly-'));
  for (const f of fs.readdirSync(assemblyDir).filter((n) => n.endsWith('.json'))) {
    fs.copyFileSync(path.join(assemblyDir, f), path.join(dir, f));
  }
  return dir;
}

const quiet = { log: () => undefined, error: jest.fn() };

describe('the diagram model, read from the templates', () => {
  const model = diagramModel(readStacks(assemblyDir));
  const [primary, dr] = model.regions;

  test('THEN both regions are there, primary first, each with the AZs of its config', () => {
    expect(model.regions.map((r) => [r.stackName, r.region, r.failover])).toEqual([
      ['ha-ref-primary', config.primary.region, 'PRIMARY'],
      ['ha-ref-secondary', config.dr.region, 'SECONDARY'],
    ]);
    expect(primary.azs).toEqual([...config.primary.availabilityZones].sort());
    expect(dr.azs).toEqual([...config.dr.availabilityZones].sort());
  });

  test('THEN the ALB and the one Auto Scaling group of each region cover every AZ, at the configured size', () => {
    for (const r of model.regions) {
      expect(r.loadBalancer).toEqual({ scheme: 'internet-facing', azs: r.azs });
      expect(r.fleet.azs).toEqual(r.azs);
      expect(r.fleet.minSize).toBe(config.fleet.minPerAz * r.azs.length);
    }
  });

  test('THEN the primary cluster is the writer of the global cluster and the DR cluster its secondary', () => {
    expect(primary.database).toMatchObject({
      globalRole: 'writer',
      globalClusterIdentifier: 'ha-ref-global',
      proxy: config.database.proxy,
    });
    expect(dr.database).toMatchObject({ globalRole: 'secondary', globalClusterIdentifier: 'ha-ref-global' });
    expect(primary.database!.instances).toHaveLength(1 + config.database.readers);
    expect(dr.database!.instances).toHaveLength(config.database.drInstances);
    expect(new Set(primary.database!.instances.map((i) => i.az)).size).toBe(
      primary.database!.instances.length,
    );
  });

  test('THEN the cache, the runbook in both regions, the canary in DR and the health checks are read', () => {
    for (const r of model.regions) {
      expect(r.cache).toEqual({
        engine: config.cache.engine,
        nodeType: config.cache.nodeType,
        shards: config.cache.shards,
        replicasPerShard: config.cache.replicasPerShard,
        tls: true,
      });
      expect(r.runbook).toBe(true);
      expect(r.healthCheck).toMatchObject({
        fqdn: `${r.region}.${config.dns.recordName}`,
        intervalSeconds: 10,
        failureThreshold: 2,
      });
    }
    expect([primary.canary, dr.canary]).toEqual([false, true]);
    expect(primary.healthCheck.path).toBe('/readyz?role=writer');
    expect(primary.recordName).toBe(config.dns.recordName);
  });

  test('THEN the us-east-1 monitoring stack is the one whose alarms watch both regional health checks', () => {
    expect(model.monitoring).toMatchObject({
      stackName: 'ha-ref-global-monitoring',
      region: 'us-east-1',
      dashboards: 1,
    });
    expect(model.monitoring!.healthCheckAlarms.map((a) => a.watchesStack).sort()).toEqual([
      'ha-ref-primary',
      'ha-ref-secondary',
    ]);
  });

  test('GIVEN an assembly without the failover pair WHEN modeled THEN the error says what is missing', () => {
    const onlyMonitoring = readStacks(assemblyDir).filter((s) => s.stackName === 'ha-ref-global-monitoring');
    expect(() => diagramModel(onlyMonitoring)).toThrow(
      new DiagramModelError('the assembly needs one PRIMARY and one SECONDARY failover stack; found: none'),
    );
  });
});

describe('the SVG', () => {
  const svg = diagramOf(assemblyDir);

  test('THEN it names both regions, every AZ, the global cluster and the monitoring stack, and is the same bytes each time', () => {
    for (const s of [
      'ha-ref-primary',
      'ha-ref-secondary',
      'ha-ref-global-monitoring',
      'writer of global cluster ha-ref-global',
      'secondary of global cluster ha-ref-global',
    ]) {
      expect(svg).toContain(s);
    }
    for (const az of [...config.primary.availabilityZones, ...config.dr.availabilityZones])
      expect(svg).toContain(`>${az}</text>`);
    expect(svg).toContain('/readyz?role=writer · every 10 s');
    expect(diagramOf(assemblyDir)).toBe(svg);
  });

  test('GIVEN text with XML metacharacters THEN it is escaped, so the file stays well-formed', () => {
    const model = diagramModel(readStacks(assemblyDir));
    const odd: DiagramModel = {
      ...model,
      regions: model.regions.map((r) => ({ ...r, stackName: `${r.stackName}<&>"` })),
    };
    const out = renderSvg(odd);
    expect(out).toContain('ha-ref-primary&lt;&amp;&gt;&quot;');
    expect(out).not.toMatch(/<&>/);
  });

  test('GIVEN the committed docs/architecture.svg THEN it is the diagram of this assembly (npm run diagram regenerates it)', () => {
    expect(fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'architecture.svg'), 'utf8')).toBe(svg);
  });
});

describe('npm run diagram -- --check', () => {
  test('GIVEN an image written from the assembly THEN the check passes (exit 0)', () => {
    const output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diagram-')), 'a.svg');
    expect(runDiagram({ out: assemblyDir, output, check: false }, quiet)).toBe(0);
    expect(runDiagram({ out: assemblyDir, output, check: true }, quiet)).toBe(0);
  });

  test('GIVEN a template changed after the image was written THEN the check fails (exit 1) and says how to fix it', () => {
    const dir = copyAssembly();
    const output = path.join(dir, 'a.svg');
    expect(runDiagram({ out: dir, output, check: false }, quiet)).toBe(0);
    const file = path.join(dir, 'ha-ref-secondary.template.json');
    const template = JSON.parse(fs.readFileSync(file, 'utf8'));
    const group = Object.values<any>(template.Resources).find(
      (r) => r.Type === 'AWS::ElastiCache::ReplicationGroup',
    );
    group.Properties.NumNodeGroups = 5;
    fs.writeFileSync(file, JSON.stringify(template));
    quiet.error.mockClear();
    expect(runDiagram({ out: dir, output, check: true }, quiet)).toBe(1);
    expect(quiet.error).toHaveBeenCalledWith(
      expect.stringMatching(/a\.svg is stale.*npm run synth && npm run diagram/),
    );
  });

  test('GIVEN no image THEN the check fails as missing; GIVEN no assembly THEN exit 2', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagram-empty-'));
    expect(runDiagram({ out: assemblyDir, output: path.join(dir, 'none.svg'), check: true }, quiet)).toBe(1);
    expect(quiet.error).toHaveBeenLastCalledWith(expect.stringContaining('none.svg is missing'));
    expect(runDiagram({ out: dir, output: path.join(dir, 'x.svg'), check: true }, quiet)).toBe(2);
    expect(quiet.error).toHaveBeenLastCalledWith(expect.stringContaining('run `npm run synth` first'));
  });

  test('GIVEN the arguments THEN they parse, and an unknown one is refused', () => {
    expect(parseDiagramArgs(['--check', '--out', 'x'])).toEqual({
      out: 'x',
      output: path.join('docs', 'architecture.svg'),
      check: true,
    });
    expect(parseDiagramArgs(['--bogus'])).toMatch(/Unknown argument '--bogus'/);
  });
});
