/**
 * Interval between runs of an EventBridge / Scheduler schedule expression, in
 * seconds, or undefined when it is not periodic in a way that can be stated (an
 * `at(...)` one-off, a weekly or monthly cron, a malformed rate). The one parser of
 * schedules: config validation, the RPO alarm and the report all use it.
 * For a cron that runs at several hours a day, the longest gap is returned:
 * that is what bounds the data a restore can lose.
 */
export function scheduleIntervalSeconds(expression: string): number | undefined {
  const rate = /^rate\(\s*(\d+)\s+(minute|hour|day)(s?)\s*\)$/.exec(expression.trim());
  if (rate) {
    const unit = rate[2] === 'minute' ? 60 : rate[2] === 'hour' ? 3600 : 86400;
    const n = Number(rate[1]);
    // EventBridge wants the singular unit for 1 and the plural for more ("rate(1 day)", "rate(2 days)").
    const plural = rate[3] === 's';
    return n > 0 && plural === n > 1 ? n * unit : undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) return undefined;
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = fields;
  const everyDay = ['*', '?'].includes(dayOfMonth) && month === '*' && ['*', '?'].includes(dayOfWeek);
  if (!everyDay) return undefined;
  const minuteList = expand(minutes, 60);
  const hourList = expand(hours, 24);
  if (!minuteList || !hourList) return undefined;
  const times = hourList.flatMap((h) => minuteList.map((m) => h * 60 + m)).sort((a, b) => a - b);
  let longest = times[0] + 24 * 60 - times[times.length - 1];
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
  return longest * 60;
}

/** Values of one cron field: `*`, `n`, `a,b`, `a-b`, `*\/n`, `a/n`. */
function expand(field: string, size: number): number[] | undefined {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const step = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!step) return undefined;
    const start = step[1] === '*' ? 0 : Number(step[1]);
    const end = step[2] !== undefined ? Number(step[2]) : step[1] === '*' || step[3] ? size - 1 : start;
    const by = step[3] !== undefined ? Number(step[3]) : 1;
    if (by < 1 || start > end || end >= size) return undefined;
    for (let v = start; v <= end; v += by) out.add(v);
  }
  return out.size > 0 ? [...out] : undefined;
}
