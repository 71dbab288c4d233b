import { ConfigArgError, parseConfigArg } from '../../lib/config';

describe('parseConfigArg: every command takes the config as cdk does', () => {
  test.each([
    [['-c', 'config=my.json', '--json'], 'my.json', ['--json']],
    [['--planned', '--context', 'config=a.json'], 'a.json', ['--planned']],
    [['--context=config=b.json'], 'b.json', []],
    [['--dry-run'], undefined, ['--dry-run']],
  ])('GIVEN %j THEN the file is %s and the rest is kept in order', (argv, configFile, rest) => {
    expect(parseConfigArg(argv)).toEqual({ configFile, rest });
  });

  test.each([
    [['--config', 'x.json'], /pass the config as for cdk: -c config=<file\.json> \(not --config\)/],
    [['--config=x.json'], /not --config=x\.json/],
    [['-c'], /-c takes config=<file\.json>, as for cdk \(got nothing\)/],
    [['-c', 'x.json'], /-c takes config=<file\.json>, as for cdk \(got x\.json\)/],
    [['-c', 'config='], /got config=\)/],
    [['-c', 'config=a.json', '-c', 'config=b.json'], /once/],
  ])('GIVEN %j THEN it is refused with the form to use', (argv, message) => {
    expect(() => parseConfigArg(argv)).toThrow(ConfigArgError);
    expect(() => parseConfigArg(argv)).toThrow(message);
  });
});
