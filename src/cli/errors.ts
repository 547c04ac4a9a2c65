import { InputError } from '../core/index.ts';
/** A mistake in how a command was called: reported in one line, exit code 2. */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An integer option in [min, max], or a UsageError naming the option. */
export function parseInteger(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < min || v > max) throw new UsageError(`${what} must be an integer in ${min}..${max}, got "${text}"`);
  return v;
}

/** A positive finite number option, or a UsageError naming the option. */
export function parsePositive(text: string, what: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) throw new UsageError(`${what} must be a positive number, got "${text}"`);
  return v;
}
