import { AssemblyError, missingStacks, regionOfEnvironment, stacksFromManifest } from '../../lib/report';

describe('stacksFromManifest', () => {
  const manifest = {
    version: '55.0.0',
    artifacts: {
      'app.assets': { type: 'cdk:asset-manifest' },
      app: {
        type: 'aws:cloudformation:stack',
        environment: 'aws://111111111111/eu-central-1',
        displayName: 'app',
        properties: { templateFile: 'app.template.json', stackName: 'app-stack' },
      },
      agnostic: {
        type: 'aws:cloudformation:stack',
        environment: 'aws://unknown-account/unknown-region',
        properties: { templateFile: 'agnostic.template.json' },
      },
    },
  };

  test('GIVEN a manifest WHEN read THEN only stack artifacts are returned, with region and template', () => {
    const read: string[] = [];
    const stacks = stacksFromManifest(manifest, (file) => {
      read.push(file);
      return { Resources: {} };
    });
    expect(stacks.map((s) => [s.stackName, s.region, s.templatePath])).toEqual([
      ['app-stack', 'eu-central-1', 'app.template.json'],
      ['agnostic', undefined, 'agnostic.template.json'],
    ]);
    expect(read).toEqual(['app.template.json', 'agnostic.template.json']);
  });

  test('GIVEN something that is not a cloud assembly WHEN read THEN AssemblyError says so', () => {
    expect(() => stacksFromManifest({}, () => ({}))).toThrow(AssemblyError);
    expect(() => stacksFromManifest({ artifacts: {} }, () => ({}))).toThrow(/no CloudFormation stacks/);
  });

  test('regionOfEnvironment parses aws://account/region and drops unknown-region', () => {
    expect(regionOfEnvironment('aws://1/us-west-2')).toBe('us-west-2');
    expect(regionOfEnvironment('aws://1/unknown-region')).toBeUndefined();
    expect(regionOfEnvironment(undefined)).toBeUndefined();
  });
});

describe('missingStacks', () => {
  const withRole = (stackName: string, role: 'primary' | 'secondary') => ({
    stackName,
    template: {
      Resources: {},
      Metadata: { 'HaRef::Profile': { drStrategy: 'warm-standby', role, cost: {} } },
    },
  });

  test('GIVEN stacks that record a profile but only the primary role WHEN checked THEN the secondary is missing', () => {
    expect(missingStacks({ artifacts: {} }, [withRole('p', 'primary')])).toEqual([
      expect.stringMatching(/secondary regional stack/),
    ]);
  });

  test('GIVEN both roles and no dangling dependency WHEN checked THEN nothing is missing', () => {
    expect(missingStacks({ artifacts: {} }, [withRole('p', 'primary'), withRole('d', 'secondary')])).toEqual(
      [],
    );
  });
});
