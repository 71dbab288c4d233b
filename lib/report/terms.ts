import { constant, type ConstantId } from './constants';
import type { Sum, Term } from './types';

/** A term read from the templates. */
export function templateTerm(label: string, seconds: number, ...refs: string[]): Term {
  return { label, seconds, source: { kind: 'template', refs } };
}

/** A term from the constants table (its value is looked up, never repeated). */
export function constantTerm(id: ConstantId, label?: string): Term {
  const c = constant(id);
  return { label: label ?? c.label, seconds: c.value, source: { kind: 'constant', id } };
}

export function sum(...terms: Term[]): Sum {
  return { seconds: terms.reduce((acc, t) => acc + t.seconds, 0), terms };
}
