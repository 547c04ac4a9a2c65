import { InputError } from '../core/index.ts';
/** A mistake in how a command was called: reported in one line, exit code 2. */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text);
}

/** A decimal integer option in [min, max] (no hex, binary or exponent: 0x10, 0b11, 1e3 are refused), or a UsageError naming the option. */
export function parseInteger(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`${what} must be a decimal integer in ${min}..${max}, got ${quote(text)}`);
  return v;
}

/** A positive finite decimal number option, or a UsageError naming the option. */
export function parsePositive(text: string, what: string): number {
  const v = /^\s*[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${what} must be a positive number, got ${quote(text)}`);
  return v;
}
