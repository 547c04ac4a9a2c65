// One place where user input becomes spec values: flags (`--d 2`), assignments
// (`--set tau=0.2,lambda=3,5`, `--init P=0.1`) and JSON spec files all end up as the
// same SpecValues, which a theory's makeSpec validates.

import { InputError } from '../core/index.ts';
import type { AnyVerb, OptionField, Theory } from './theory.ts';

/** Options, --set and --init values, parsed but not yet validated by the theory. */
export interface SpecValues {
  readonly options: ReadonlyMap<string, number | string>;
  readonly set: ReadonlyMap<string, readonly number[]>;
  readonly init: ReadonlyMap<string, readonly number[]>;
}

/** A spec value the theory refuses; the message names the key. */
export class SpecError extends InputError {}

const DECIMAL_INTEGER = /^[+-]?\d+$/;
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A decimal number (no hex, no "Infinity", no empty string), or undefined. */
export function decimalNumber(text: string): number | undefined {
  const s = text.trim();
  if (!DECIMAL_NUMBER.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text);
}

/** One flag's text into its value, or a SpecError naming the flag. */
export function parseOption(field: OptionField, text: string): number | string {
  const flag = `--${field.name}`;
  if (field.kind === 'choice') {
    if (!field.choices!.includes(text)) throw new SpecError(`${flag} must be one of ${field.choices!.join(', ')}, got ${quote(text)}`);
    return text;
  }
  if (field.kind === 'text') return text;
  const lo = field.min ?? -Infinity, hi = field.max ?? Infinity;
  if (field.kind === 'integer') {
    const v = DECIMAL_INTEGER.test(text.trim()) ? Number(text) : NaN;
    if (!Number.isSafeInteger(v) || v < lo || v > hi) {
      throw new SpecError(`${flag} must be a decimal integer in ${lo}..${Number.isFinite(hi) ? hi : Number.MAX_SAFE_INTEGER}, got ${quote(text)}`);
    }
    return v;
  }
  const v = decimalNumber(text);
  const below = v !== undefined && (field.exclusiveMin ? v <= lo : v < lo);
  if (v === undefined || below || v > hi) {
    const range = field.exclusiveMin && lo === 0 && !Number.isFinite(hi) ? 'a positive number'
      : `a number in ${field.exclusiveMin ? '(' : '['}${lo}, ${hi}]`;
    throw new SpecError(`${flag} must be ${range}, got ${quote(text)}`);
  }
  return v;
}

/**
 * `k=v,k=v,...` where a value may be a comma list (`lambda=3,5`): items without '='
 * extend the previous key's list. A key given twice is an error.
 */
export function parseAssignments(text: string | undefined, flag: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (text === undefined) return out;
  let current: string | undefined;
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') throw new SpecError(`${flag}: empty item in ${quote(text)}`);
    const eq = item.indexOf('=');
    const valueText = eq >= 0 ? item.slice(eq + 1).trim() : item;
    if (eq >= 0) {
      current = item.slice(0, eq).trim();
      if (!NAME.test(current)) throw new SpecError(`${flag}: ${quote(current)} is not a parameter name`);
      if (out.has(current)) throw new SpecError(`${flag}: ${current} is set twice`);
      out.set(current, []);
    } else if (current === undefined) {
      throw new SpecError(`${flag}: ${quote(item)} has no name (write name=value)`);
    }
    const v = decimalNumber(valueText);
    if (v === undefined) throw new SpecError(`${flag}: ${current} = ${quote(valueText)} is not a finite decimal number`);
    out.get(current!)!.push(v);
  }
  return out;
}

/** Flag texts (name → text, absent = default) into SpecValues for one verb. */
export function specValuesFromFlags(
  theory: Theory, verb: AnyVerb, flags: ReadonlyMap<string, string>, set?: string, init?: string,
): SpecValues {
  const options = new Map<string, number | string>();
  for (const field of theory.options) {
    if (field.verbs && !field.verbs.includes(verb)) continue;
    const text = flags.get(field.name) ?? field.default;
    if (text !== undefined) options.set(field.name, parseOption(field, text));
  }
  return { options, set: parseAssignments(set, '--set'), init: parseAssignments(init, '--init') };
}

function numbersOf(value: unknown, where: string): number[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new SpecError(`${where}: empty list`);
  return list.map((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new SpecError(`${where}${Array.isArray(value) ? `[${i}]` : ''} must be a finite number, got ${JSON.stringify(v)}`);
    return v;
  });
}

function recordOf(value: unknown, where: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (value === undefined) return out;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SpecError(`${where} must be an object of name: number`);
  for (const key of Object.keys(value)) {
    if (!NAME.test(key)) throw new SpecError(`${where}: ${quote(key)} is not a parameter name`);
    out.set(key, numbersOf((value as Record<string, unknown>)[key], `${where}.${key}`));
  }
  return out;
}

/**
 * A JSON spec `{ "d": 2, "normalization": "oja", "set": {"tau": 0.3}, "init": {"P11": 0.1} }`
 * into SpecValues (keys other than the theory's options, "set" and "init" are errors).
 */
export function specValuesFromJson(theory: Theory, verb: AnyVerb, json: unknown): SpecValues {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SpecError('spec: expected a JSON object');
  const fields = new Map(theory.options.filter((f) => !f.verbs || f.verbs.includes(verb)).map((f) => [f.name, f]));
  const options = new Map<string, number | string>();
  const obj = json as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key === 'set' || key === 'init') continue;
    const field = fields.get(key);
    if (!field) throw new SpecError(`spec: unknown key ${quote(key)} for ${theory.id} ${verb} (known: ${[...fields.keys(), 'set', 'init'].join(', ')})`);
    const v = obj[key];
    if (typeof v !== 'number' && typeof v !== 'string') throw new SpecError(`spec.${key} must be a number or a string`);
    options.set(key, parseOption(field, String(v)));
  }
  for (const field of fields.values()) {
    if (!options.has(field.name) && field.default !== undefined) options.set(field.name, parseOption(field, field.default));
  }
  return { options, set: recordOf(obj.set, 'spec.set'), init: recordOf(obj.init, 'spec.init') };
}

/** The numeric option `name` (throws if the theory did not declare it). */
export function optionNumber(values: SpecValues, name: string): number {
  const v = values.options.get(name);
  if (typeof v !== 'number') throw new SpecError(`--${name} is required`);
  return v;
}

/** The text/choice option `name`. */
export function optionText(values: SpecValues, name: string): string {
  const v = values.options.get(name);
  if (typeof v !== 'string') throw new SpecError(`--${name} is required`);
  return v;
}

/** One number from an assignment map (a list of length 1), or a SpecError. */
export function single(map: ReadonlyMap<string, readonly number[]>, key: string, flag: string): number | undefined {
  const v = map.get(key);
  if (v === undefined) return undefined;
  if (v.length !== 1) throw new SpecError(`${flag} ${key} takes one value, got ${v.length}`);
  return v[0];
}

/** Refuses assignment names the theory does not know. */
export function checkKnownNames(map: ReadonlyMap<string, readonly number[]>, known: readonly string[], flag: string): void {
  const set = new Set(known);
  for (const key of map.keys()) {
    if (!set.has(key)) throw new SpecError(`${flag}: unknown parameter ${quote(key)} (known: ${known.join(', ')})`);
  }
}
