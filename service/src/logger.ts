import pino, { Logger } from 'pino';
import { LogLevel } from './config';

export type { Logger } from 'pino';

/** JSON logs to stdout (journald → CloudWatch Logs on the instances), tagged with AZ and instance id. */
export function createLogger(level: LogLevel, base: { az?: string; instanceId?: string } = {}): Logger {
  return pino({
    level,
    base: { service: 'ha-sample-service', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'password', '*.password'], censor: '[redacted]' },
  });
}
