/** Starts the service in-process against given servers, with small timeouts and a 2 s readiness grace. */
import pino from 'pino';
import { parseConfig } from '../../src/config';
import { cachedSource, CredentialSource, DbCredentials } from '../../src/credentials';
import { createService, Service } from '../../src/service';

export interface InProcessService {
  readonly service: Service;
  readonly baseUrl: string;
}

export const TEST_ENV = {
  HOST: '127.0.0.1',
  PORT: '0',
  DB_HEALTH_INTERVAL_MS: '200',
  DB_CONNECT_TIMEOUT_MS: '1000',
  DB_QUERY_TIMEOUT_MS: '1500',
  DB_LATENCY_BUDGET_MS: '150',
  REDIS_COMMAND_TIMEOUT_MS: '200',
  READINESS_GRACE_SECONDS: '2',
  SHUTDOWN_DRAIN_SECONDS: '0',
  BREAKER_RESET_MS: '1000',
  BREAKER_VOLUME_THRESHOLD: '5',
  LOG_LEVEL: 'silent',
  // Every request validates its session through Redis/PostgreSQL, so the fallbacks are what is tested.
  SESSION_MEMO_MS: '0',
} as const;

/** A fake secret store: tests change `value`; the service re-reads it only through refresh() (as with Secrets Manager). */
export class FakeSecret<T = DbCredentials> {
  fetches = 0;
  constructor(public value: T) {}
  source(): CredentialSource<T> {
    return cachedSource(async () => {
      this.fetches++;
      return this.value;
    }, 0);
  }
}

export async function startInProcess(
  env: Readonly<Record<string, string>>,
  dbCredentials?: CredentialSource<DbCredentials>,
  redisPassword?: CredentialSource<string>,
): Promise<InProcessService> {
  const config = parseConfig({ ...TEST_ENV, ...env });
  const service = createService(config, {
    dbCredentials,
    redisPassword,
    logger: pino({ level: process.env.SERVICE_TEST_LOG_LEVEL ?? 'silent' }),
    processMetrics: false,
  });
  const baseUrl = await service.start();
  return { service, baseUrl };
}
