import { backoffDelay, retry } from '../src/retry';

describe('retry with exponential backoff and full jitter', () => {
  test('GIVEN attempts 1..5 THEN the delay ceiling doubles and is capped', () => {
    const max = () => 0.999999;
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, 25, 150, max))).toEqual([24, 49, 99, 149, 149]);
    expect(backoffDelay(3, 25, 150, () => 0)).toBe(0); // full jitter: anywhere from 0
  });

  test('GIVEN an operation failing twice with a retryable error THEN it succeeds on the third attempt after two sleeps', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('transient');
        return 'ok';
      },
      { attempts: 3, isRetryable: () => true, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([12, 25]);
  });

  test('GIVEN a non-retryable error THEN it is thrown after one attempt', async () => {
    let calls = 0;
    const op = async () => {
      calls++;
      throw new Error('bad input');
    };
    await expect(retry(op, { isRetryable: () => false, sleep: async () => undefined })).rejects.toThrow(
      'bad input',
    );
    expect(calls).toBe(1);
  });

  test('GIVEN a retryable error every time THEN it gives up after the attempt budget with the last error', async () => {
    let calls = 0;
    const op = async () => {
      calls++;
      throw new Error(`fail ${calls}`);
    };
    await expect(
      retry(op, { attempts: 4, isRetryable: () => true, sleep: async () => undefined }),
    ).rejects.toThrow('fail 4');
    expect(calls).toBe(4);
  });
});
