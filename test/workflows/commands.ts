import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');

/** npm flags that change output, not what runs. */
const QUIET_FLAGS = new Set(['-s', '--silent', '--no-audit', '--no-fund']);

/** A shell command reduced to what it runs: no redirections, pipes or quiet flags. */
export function normalizeCommand(segment: string): string {
  const words: string[] = [];
  // A step that needs root runs the same command under sudo with the runner's PATH.
  const command = segment.trim().replace(/^sudo -E env "PATH=\$PATH" /, '');
  for (const w of command.split(/\s+/)) {
    if (w === '>' || w === '>>' || w === '|' || w.startsWith('>') || w.startsWith('2>')) break;
    if (!QUIET_FLAGS.has(w)) words.push(w);
  }
  return words.join(' ');
}

/** The npm (and .ci/ script) commands of a shell script, in order. */
export function commandsOfScript(script: string): string[] {
  return script
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .flatMap((line) => line.split(/&&|\|\||;/))
    .map(normalizeCommand)
    .filter((c) => c.startsWith('npm ') || c.startsWith('bash .ci/'));
}

/** The README's Quick start commands (every bash block of that section), in order. */
export function readmeQuickStartCommands(readme: string): { commands: string[]; prose: string } {
  const start = readme.indexOf('\n## Quick start');
  if (start < 0) throw new Error('README.md has no "## Quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  return { commands: blocks.flatMap(commandsOfScript), prose: section.replace(/```bash\n[\s\S]*?```/g, '') };
}

/**
 * What .ci/run runs, in order: each `echo "== <command> (why)"` announces a command, and the
 * server install is the one `bash .ci/...` line.
 */
export function ciRunCommands(script: string): string[] {
  const out: string[] = [];
  for (const line of script.split('\n')) {
    const announced = /^\s*echo "== (npm [^("]*)/.exec(line);
    if (announced) out.push(normalizeCommand(announced[1]));
    else if (/^\s*bash \.ci\//.test(line)) out.push(normalizeCommand(line));
  }
  return out;
}

export interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
  readonly if?: string;
  readonly id?: string;
}

export interface Job {
  readonly permissions?: Record<string, string> | string;
  readonly environment?: { name: string } | string;
  readonly env?: Record<string, unknown>;
  readonly if?: string;
  readonly needs?: string | string[];
  readonly steps: Step[];
}

export interface Workflow {
  readonly on: Record<string, any>;
  readonly permissions?: Record<string, string> | string;
  readonly env?: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

export function readWorkflow(name: string): { workflow: Workflow; text: string } {
  const text = fs.readFileSync(path.join(ROOT, '.github', 'workflows', name), 'utf8');
  return { workflow: parse(text) as Workflow, text };
}

/** Every command the job's `run` steps execute, in order. */
export function jobCommands(job: Job): string[] {
  return job.steps.flatMap((s) => (s.run === undefined ? [] : commandsOfScript(s.run)));
}

/** True when `sub` appears in `seq` in the same order (not necessarily adjacent). */
export function isSubsequence(sub: readonly string[], seq: readonly string[]): boolean {
  let i = 0;
  for (const item of seq) if (i < sub.length && item === sub[i]) i++;
  return i === sub.length;
}
