import type { ResilienceReport } from './types';

/** Exit codes of `npm run report` (scripts/report.ts). */
export const REPORT_EXIT = {
  ok: 0,
  invariantFails: 1,
  /** Usage error, no cloud assembly, or one that cannot be read. */
  usage: 2,
  /** A recovery budget is exceeded (relaxed by --allow-budget-overrun). */
  budgetExceeded: 3,
  /** A stack without its template, or a stack missing (a synth that failed half-way). */
  partialAssembly: 4,
} as const;

/** The exit code for a report that was built: an invariant failure first, then a budget (unless allowed). */
export function reportExitCode(
  report: Pick<ResilienceReport, 'invariantsPass' | 'budgetsPass'>,
  options: { readonly allowBudgetOverrun: boolean },
): number {
  if (!report.invariantsPass) return REPORT_EXIT.invariantFails;
  if (!report.budgetsPass && !options.allowBudgetOverrun) return REPORT_EXIT.budgetExceeded;
  return REPORT_EXIT.ok;
}
