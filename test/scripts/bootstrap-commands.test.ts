import { ConfigError, loadConfig } from '../../lib/config';
import { bootstrapCommand } from '../../scripts/bootstrap-commands';

const REAL = {
  primary: { account: '123456789012' },
  dr: { account: '123456789012' },
  dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
};

describe('bootstrap-commands', () => {
  test("GIVEN the example config's regions THEN it bootstraps exactly those and us-east-1, in the config's account", () => {
    const { config } = loadConfig({ configFile: 'config/example.json' });
    expect(bootstrapCommand(config, 'config/example.json')).toBe(
      'npx cdk bootstrap aws://123456789012/eu-west-1 aws://123456789012/eu-central-1 aws://123456789012/us-east-1 -c config=config/example.json\n',
    );
  });

  test('GIVEN a primary in us-east-1 THEN us-east-1 is bootstrapped once', () => {
    const { config } = loadConfig({ overrides: REAL });
    expect(bootstrapCommand(config, 'mine.json')).toBe(
      'npx cdk bootstrap aws://123456789012/us-east-1 aws://123456789012/us-west-2 -c config=mine.json\n',
    );
  });

  test('GIVEN the placeholder account THEN it refuses and names the file to write', () => {
    const { config } = loadConfig();
    expect(() => bootstrapCommand(config, 'mine.json')).toThrow(ConfigError);
    expect(() => bootstrapCommand(config, 'mine.json')).toThrow(
      /primary\.account = "111111111111": is the shipped placeholder: write your account into mine\.json/,
    );
  });
});
