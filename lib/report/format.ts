import type { Term } from './types';

/** Seconds as "116 s", with hours or minutes added for long spans ("90000 s (25 h)"). */
export function formatSeconds(seconds: number): string {
  const s = Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1);
  if (seconds >= 7200) return `${s} s (${trim(seconds / 3600)} h)`;
  if (seconds >= 120) return `${s} s (${trim(seconds / 60)} min)`;
  return `${s} s`;
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** A percentage with enough decimals to show the nines that differ. */
export function formatPercent(percent: number, decimals = 4): string {
  return `${percent.toFixed(decimals)} %`;
}

/** Where a term's value came from, for a table cell. */
export function formatSource(term: Term): string {
  return term.source.kind === 'template'
    ? `template: ${term.source.refs.map((r) => `\`${r}\``).join(', ')}`
    : `constant: \`${term.source.id}\``;
}

/** Escapes a value for a markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function passFail(pass: boolean): string {
  return pass ? 'PASS' : 'FAIL';
}
