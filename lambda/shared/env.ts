import { ConfigurationError } from './errors';

/** A required environment variable; a missing one is a deployment bug, named in the error. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(`environment variable ${name} is not set`);
  }
  return value;
}

/** A required positive integer environment variable. */
export function requireIntEnv(name: string, min = 0): number {
  const raw = requireEnv(name);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigurationError(`environment variable ${name} = "${raw}" must be an integer >= ${min}`);
  }
  return value;
}

/** An optional integer environment variable with a default. */
export function intEnv(name: string, fallback: number): number {
  return process.env[name] === undefined ? fallback : requireIntEnv(name);
}
