import { scheduleIntervalSeconds } from '../../lib/config';

describe('scheduleIntervalSeconds', () => {
  test.each([
    ['rate(1 day)', 86400],
    ['rate(12 hours)', 43200],
    ['rate(1 hour)', 3600],
    ['rate(15 minutes)', 900],
  ])('GIVEN %s WHEN parsed THEN the interval is %i s', (expr, seconds) => {
    expect(scheduleIntervalSeconds(expr)).toBe(seconds);
  });

  test('GIVEN a daily cron WHEN parsed THEN the interval is one day', () => {
    expect(scheduleIntervalSeconds('cron(0 3 * * ? *)')).toBe(86400);
  });

  test('GIVEN a cron at 02:00 and 08:00 WHEN parsed THEN the longest gap (18 h) bounds the data lost', () => {
    expect(scheduleIntervalSeconds('cron(0 2,8 * * ? *)')).toBe(18 * 3600);
  });

  test('GIVEN an every-6-hours cron WHEN parsed THEN the interval is 6 h', () => {
    expect(scheduleIntervalSeconds('cron(30 */6 * * ? *)')).toBe(6 * 3600);
  });

  test.each([
    'at(2026-01-01T00:00:00)',
    'cron(0 3 ? * MON *)',
    'rate(0 days)',
    'rate(1 days)',
    'rate(6 hour)',
    'daily',
  ])('GIVEN %s WHEN parsed THEN it is not modeled (undefined)', (expr) => {
    expect(scheduleIntervalSeconds(expr)).toBeUndefined();
  });
});
