import { ConfigError, parseConfig } from '../src/config';

const MIN = { DB_WRITER_HOST: 'writer.example', DB_PASSWORD: 'pw' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function errorOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  test('GIVEN only the writer host and a password THEN the contract defaults apply', () => {
    const c = parseConfig(MIN);
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.db.readerHost).toBe('writer.example'); // reader defaults to the writer
    expect(c.db).toMatchObject({ port: 5432, database: 'app', user: 'app_service', ssl: false });
    expect(c.redis).toBeUndefined();
    expect(c.readinessGraceMs).toBe(30000);
    expect(c.shutdownDrainMs).toBe(20000);
    expect(c.sessionTtlSeconds).toBe(3600);
    expect(c.logLevel).toBe('info');
    expect(c.db).toMatchObject({ latencyBudgetMs: 500, readP95BudgetMs: 100, readBreakerOpenMs: 5000 });
    expect(c.itemCacheStaleSeconds).toBe(3600);
  });

  test('GIVEN a read p95 budget at or above the per-read timeout THEN invalid (the breaker could never open), naming both variables', () => {
    expect(problemsOf({ ...MIN, DB_READ_P95_BUDGET_MS: '500' })).toEqual([
      expect.stringMatching(/^DB_READ_P95_BUDGET_MS \(500\) must be below DB_LATENCY_BUDGET_MS \(500\)/),
    ]);
    expect(
      parseConfig({ ...MIN, DB_READ_P95_BUDGET_MS: '150', DB_LATENCY_BUDGET_MS: '800' }).db.readP95BudgetMs,
    ).toBe(150);
  });

  test('GIVEN nothing THEN every missing required variable is named at once', () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/DB_WRITER_HOST is required/),
        expect.stringMatching(/DB_SECRET_ID .* or DB_PASSWORD/),
      ]),
    );
  });

  test.each([
    [{ PORT: 'abc' }, /PORT must be an integer from 0 to 65535, got 'abc'/],
    [{ PORT: '70000' }, /PORT must be an integer/],
    [{ DB_SSL: 'yes' }, /DB_SSL must be true or false, got 'yes'/],
    [{ REDIS_NODES: 'a:1,nohostport' }, /REDIS_NODES entry 'nohostport' must be host:port/],
    [
      { LOG_LEVEL: 'loud' },
      /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'/,
    ],
    [{ DB_SECRET_ID: 'arn:secret' }, /AWS_REGION is required when DB_SECRET_ID/],
    [{ DB_SSL_CA_FILE: '/ca.pem' }, /DB_SSL_CA_FILE is set .* but DB_SSL is not true/],
    [{ REDIS_PASSWORD: 'x' }, /REDIS_NODES is required when REDIS_PASSWORD/],
    [
      { REDIS_NODES: 'a:1', REDIS_TLS_CA_FILE: '/ca.pem' },
      /REDIS_TLS_CA_FILE is set .* but REDIS_TLS is not true/,
    ],
    [{ READINESS_GRACE_SECONDS: '-1' }, /READINESS_GRACE_SECONDS must be an integer from 0/],
    [
      { REDIS_NODES: 'a:1', REDIS_SECRET_REFRESH_SECONDS: '0' },
      /REDIS_SECRET_REFRESH_SECONDS must be an integer from 1 to 3600, got '0'/,
    ],
  ])('GIVEN %j THEN the problem names the variable and value', (extra, message) => {
    expect(problemsOf({ ...MIN, ...extra } as Record<string, string>).join('\n')).toMatch(message);
  });

  test('GIVEN only required variables missing (the SSM parameters do not exist yet) THEN the error is "not available yet" (75)', () => {
    const err = errorOf({ AWS_REGION: 'eu-west-1', DB_SSL: 'true', PORT: '8080' });
    expect(err.invalid).toEqual([]);
    expect(err.missing).toHaveLength(2);
    expect(err.exitCode).toBe(75);
  });

  test('GIVEN a value present but wrong, even with others missing THEN the error is "invalid" (78) and lists both kinds', () => {
    const err = errorOf({ PORT: 'abc' });
    expect(err.invalid).toEqual([expect.stringMatching(/^PORT must be an integer/)]);
    expect(err.missing).toEqual(
      expect.arrayContaining([expect.stringMatching(/DB_WRITER_HOST is required/)]),
    );
    expect(err.exitCode).toBe(78);
    expect(err.message).toMatch(/PORT must be an integer[\s\S]*DB_WRITER_HOST is required/);
  });

  test('GIVEN a full environment THEN every value is parsed', () => {
    const c = parseConfig({
      ...MIN,
      PORT: '9000',
      DB_READER_HOST: 'reader.example',
      DB_SECRET_ID: 'db-secret',
      AWS_REGION: 'eu-west-1',
      DB_SSL: 'true',
      REDIS_NODES: 'cfg.cache.amazonaws.com:6379, 10.0.0.1:6380',
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: '/etc/ha-service/redis-ca.pem',
      READINESS_GRACE_SECONDS: '45',
      AZ: 'az1',
    });
    expect(c.port).toBe(9000);
    expect(c.db).toMatchObject({ readerHost: 'reader.example', secretId: 'db-secret', ssl: true });
    expect(c.redis?.nodes).toEqual([
      { host: 'cfg.cache.amazonaws.com', port: 6379 },
      { host: '10.0.0.1', port: 6380 },
    ]);
    expect(c.redis).toMatchObject({ tls: true, tlsCaFile: '/etc/ha-service/redis-ca.pem' });
    // Unset: the token is re-read every 5 minutes, well inside the rotation's default 60-minute grace.
    expect(c.redis?.secretRefreshMs).toBe(300_000);
    expect(c.readinessGraceMs).toBe(45000);
    expect(c.az).toBe('az1');
  });
});
