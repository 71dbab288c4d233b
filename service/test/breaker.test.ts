import { createBreaker, isBreakerOpen } from '../src/breaker';

const CONFIG = {
  errorThresholdPercentage: 50,
  resetTimeoutMs: 200,
  volumeThreshold: 4,
  rollingWindowMs: 10000,
};
const failing = () =>
  Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

describe('circuit breaker per dependency', () => {
  test('GIVEN repeated dependency failures THEN it opens and then rejects fast without calling the dependency', async () => {
    const breaker = createBreaker({ name: 'db-reader', ...CONFIG, timeoutMs: 1000 });
    for (let i = 0; i < 4; i++) await expect(breaker.run(failing)).rejects.toThrow('ECONNREFUSED');
    expect(breaker.state()).toBe('open');
    let called = false;
    const err = await breaker
      .run(async () => {
        called = true;
      })
      .catch((e: unknown) => e);
    expect(isBreakerOpen(err)).toBe(true);
    expect(called).toBe(false);
    breaker.shutdown();
  });

  test('GIVEN calls slower than the latency budget THEN they fail and open the breaker', async () => {
    const breaker = createBreaker({ name: 'db-writer', ...CONFIG, timeoutMs: 20 });
    const slow = () => new Promise((r) => setTimeout(r, 60));
    for (let i = 0; i < 4; i++) await expect(breaker.run(slow)).rejects.toThrow(/Timed out after 20ms/);
    expect(breaker.state()).toBe('open');
    breaker.shutdown();
  });

  test('GIVEN application errors (bad input) THEN they do not count against the dependency', async () => {
    const breaker = createBreaker({
      name: 'db-writer',
      ...CONFIG,
      timeoutMs: 1000,
      isApplicationError: (e) => (e as { code?: string }).code === '23505',
    });
    const duplicate = () => Promise.reject(Object.assign(new Error('duplicate key'), { code: '23505' }));
    for (let i = 0; i < 10; i++) await expect(breaker.run(duplicate)).rejects.toThrow('duplicate key');
    expect(breaker.state()).toBe('closed');
    breaker.shutdown();
  });

  test('GIVEN an open breaker WHEN the reset timeout passes and a trial call succeeds THEN it closes', async () => {
    const breaker = createBreaker({ name: 'cache', ...CONFIG, timeoutMs: 1000 });
    for (let i = 0; i < 4; i++) await breaker.run(failing).catch(() => undefined);
    expect(breaker.state()).toBe('open');
    await new Promise((r) => setTimeout(r, 250));
    expect(breaker.state()).toBe('half_open');
    await expect(breaker.run(async () => 'ok')).resolves.toBe('ok');
    expect(breaker.state()).toBe('closed');
    breaker.shutdown();
  });
});
