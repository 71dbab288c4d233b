import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { cachedSource, parseDbSecret, parseRedisSecret, secretsManagerSource } from '../src/credentials';

describe('cachedSource', () => {
  test('GIVEN concurrent get() and refresh() calls THEN one fetch serves them all', async () => {
    let fetches = 0;
    const source = cachedSource(async () => ++fetches, 0);
    const values = await Promise.all([source.get(), source.get(), source.refresh()]);
    expect(values).toEqual([1, 1, 1]);
    expect(fetches).toBe(1);
  });

  test('GIVEN refreshes inside the minimum interval THEN the secret is not re-fetched; after it, it is', async () => {
    let now = 0;
    let fetches = 0;
    const source = cachedSource(
      async () => ++fetches,
      5000,
      () => now,
    );
    await source.get();
    now = 4999;
    expect(await source.refresh()).toBe(1);
    now = 5000;
    expect(await source.refresh()).toBe(2);
  });

  test('GIVEN a failing fetch THEN the error surfaces and the next call tries again', async () => {
    let fail = true;
    const source = cachedSource(async () => {
      if (fail) throw new Error('AccessDenied');
      return 'v';
    }, 0);
    await expect(source.get()).rejects.toThrow('AccessDenied');
    fail = false;
    expect(await source.get()).toBe('v');
  });
});

describe('secret parsing', () => {
  test('GIVEN an RDS secret THEN username and password are read; bad shapes name the field', () => {
    expect(parseDbSecret('{"username":"u","password":"p","host":"h"}', 'id')).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(() => parseDbSecret('not json', 'db')).toThrow(/secret db is not JSON/);
    expect(() => parseDbSecret('{"username":"u"}', 'db')).toThrow(/field 'password'/);
    expect(() => parseDbSecret(undefined, 'db')).toThrow(/no SecretString/);
  });

  test('GIVEN a Redis token as JSON {token}, JSON {password} or plain text THEN the token is read', () => {
    expect(parseRedisSecret('{"token":"t1"}', 'r')).toBe('t1');
    expect(parseRedisSecret('{"password":"t2"}', 'r')).toBe('t2');
    expect(parseRedisSecret(' t3 \n', 'r')).toBe('t3');
    expect(() => parseRedisSecret('{"user":"x"}', 'r')).toThrow(/field 'token'/);
  });
});

describe('secretsManagerSource', () => {
  test('GIVEN a rotation WHEN refresh() is called THEN the new AWSCURRENT value is returned', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: 'db' })
      .resolvesOnce({ SecretString: '{"username":"app","password":"old"}' })
      .resolvesOnce({ SecretString: '{"username":"app","password":"new"}' });
    const source = secretsManagerSource(
      new SecretsManagerClient({ region: 'eu-west-1' }),
      'db',
      parseDbSecret,
      0,
    );
    expect((await source.get()).password).toBe('old');
    expect((await source.get()).password).toBe('old'); // cached
    expect((await source.refresh()).password).toBe('new');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    sm.restore();
  });
});
