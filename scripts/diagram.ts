/*
 * The architecture diagram, generated from the synthesized assembly (run `npm run synth` first):
 *
 *   npm run diagram [-- --out <cdk.out>] [--output docs/architecture.svg]
 *   npm run diagram -- --check    exit 1 when the committed image differs from the assembly's
 *
 * Exit codes: 0 written / up to date; 1 stale (--check); 2 usage error, no assembly or one the
 * diagram cannot read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagramModel, DiagramModelError, renderSvg } from '../lib/diagram';
import { AssemblyError, stacksFromManifest } from '../lib/report';
import type { CfnTemplate } from '../lib/checks';

export const DEFAULT_DIAGRAM = path.join('docs', 'architecture.svg');

export interface DiagramArgs {
  readonly out: string;
  readonly output: string;
  readonly check: boolean;
}

export function parseDiagramArgs(argv: readonly string[]): DiagramArgs | string {
  let out = 'cdk.out';
  let output = DEFAULT_DIAGRAM;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') check = true;
    else if (arg === '--out' && argv[i + 1] !== undefined) out = argv[++i];
    else if (arg === '--output' && argv[i + 1] !== undefined) output = argv[++i];
    else
      return `Unknown argument '${arg}'. usage: npm run diagram -- [--check] [--out <cdk.out>] [--output <file.svg>]`;
  }
  return { out, output, check };
}

/** The SVG of the assembly in `dir`. */
export function diagramOf(dir: string): string {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new AssemblyError(
      `no cloud assembly at ${dir} (manifest.json not found): run \`npm run synth\` first`,
    );
  }
  const manifest: unknown = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const stacks = stacksFromManifest(
    manifest,
    (file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CfnTemplate,
  );
  return renderSvg(diagramModel(stacks));
}

export function runDiagram(args: DiagramArgs, log: Pick<Console, 'log' | 'error'> = console): number {
  let svg: string;
  try {
    svg = diagramOf(path.resolve(args.out));
  } catch (e) {
    if (e instanceof AssemblyError || e instanceof DiagramModelError || e instanceof SyntaxError) {
      log.error(`diagram: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (args.check) {
    const committed = fs.existsSync(args.output) ? fs.readFileSync(args.output, 'utf8') : undefined;
    if (committed === svg) {
      log.log(`diagram: ${args.output} is up to date with ${args.out}`);
      return 0;
    }
    log.error(
      `diagram: ${args.output} is ${committed === undefined ? 'missing' : 'stale'}: it does not match the synthesized assembly. ` +
        'Run `npm run synth && npm run diagram` and commit the result.',
    );
    return 1;
  }
  fs.mkdirSync(path.dirname(args.output), { recursive: true });
  fs.writeFileSync(args.output, svg);
  log.log(`diagram: wrote ${args.output}`);
  return 0;
}

if (require.main === module) {
  const args = parseDiagramArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(args);
    process.exitCode = 2;
  } else {
    process.exitCode = runDiagram(args);
  }
}
