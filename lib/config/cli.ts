/**
 * The one way every command takes the config file, as `cdk` does: `-c config=<file>` (also
 * `--context config=<file>` and `--context=config=<file>`). Used by `cdk synth` (through the
 * context), `npm run report -- --compare`, `npm run failover`, `npm run cleanup-commands` and
 * `npm run bootstrap-commands`.
 */
export interface ConfigArgs {
  /** The file after `config=`, when given. */
  readonly configFile?: string;
  /** The other arguments, in order, for the command's own parser. */
  readonly rest: readonly string[];
}

/** A command line that passes the config in a way the commands do not take. */
export class ConfigArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigArgError';
  }
}

export function parseConfigArg(argv: readonly string[]): ConfigArgs {
  let configFile: string | undefined;
  const rest: string[] = [];
  const take = (value: string | undefined, flag: string): void => {
    if (value === undefined || !value.startsWith('config=') || value.length === 'config='.length) {
      throw new ConfigArgError(`${flag} takes config=<file.json>, as for cdk (got ${value ?? 'nothing'})`);
    }
    if (configFile !== undefined) throw new ConfigArgError('give -c config=<file.json> once');
    configFile = value.slice('config='.length);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-c' || arg === '--context') take(argv[++i], arg);
    else if (arg.startsWith('--context=')) take(arg.slice('--context='.length), '--context');
    else if (arg === '--config' || arg.startsWith('--config=')) {
      throw new ConfigArgError(`pass the config as for cdk: -c config=<file.json> (not ${arg})`);
    } else rest.push(arg);
  }
  return { configFile, rest };
}
