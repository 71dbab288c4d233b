import type { ResilienceReport } from './types';

/** Version of the JSON shape; bump when a field changes meaning. */
export const REPORT_JSON_VERSION = 1;

/** The report as stable, indented JSON for machines (`npm run report -- --json`). */
export function renderJson(report: ResilienceReport): string {
  return `${JSON.stringify({ version: REPORT_JSON_VERSION, ...report }, null, 2)}\n`;
}
