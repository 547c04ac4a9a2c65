// A model file (docs/user-models.md): online learning in dimension n → ∞ stated as JSON,
// with expressions in the project's grammar plus three notations expanded here before
// parsing — never executed:
//
//   sum(k, body)   the body once per row k = 1..size, added   (k declared in "indices")
//   g(arg), g'(arg), g''(arg)   a declared one-argument function, or its derivatives
//                  (taken symbolically), applied to arg
//   name_k         row k of a family (a parameter family, latent variable, field,
//                  overlap or vector): lambda_k → lambda2; Q_k_l → Q12. A family of
//                  one row is written without the index (d = 1: lambda, P).
//
// Validation is complete before any work: every problem is a ModelFileError whose
// one-line message names the key (model.updates.w.terms[0].coefficient: ...).

import { InputError } from '../../core/index.ts';
import { type Expr, parse, print, diff, substitute, ParseError, polyIn, freeSymbols, isReservedName } from '../../symbolic/index.ts';

/** A model file that cannot be used; the message names the key. */
export class ModelFileError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/** Largest model file read, in bytes. */
export const MAX_MODEL_BYTES = 1 << 18;
/** Largest size of a family. */
export const MAX_ROWS = 12;
/** Longest expression text after the notations are expanded. */
const MAX_EXPANDED = 60_000;
const MAX_TEXT = 4000;

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Vector names end in a letter so that row names (w1, w2, ...) cannot collide. */
const VECTOR_NAME = /^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z])?$/;
/** Symbols the derivation itself uses. */
const RESERVED = new Set(['h', 'n', 'pi', 'sum', 'z']);

export interface VectorDecl {
  readonly name: string;
  /** Size name ('' for a single vector) and number of rows. */
  readonly sizeName: string;
  readonly size: number;
  readonly learned: boolean;
  /** Kept on the unit sphere: renormalised after each step; self-overlaps are 1. */
  readonly sphere: boolean;
  /** Fixed family with orthonormal rows (overlaps δ). */
  readonly orthonormal: boolean;
  /** The rows' direction names. */
  readonly rows: readonly string[];
}

/** A term c·v of a sample or an update: v a direction (row), a noise or a sample. */
export interface VectorTerm {
  readonly vector: string;
  readonly coefficient: Expr;
}

export interface OverlapEntry {
  readonly name: string;
  readonly a: string;
  readonly b: string;
  /** 'state' when a learned vector is involved; 'param' for fixed–fixed; 'one'/'zero' for constants. */
  readonly kind: 'state' | 'param' | 'one' | 'zero';
}

export interface UserModel {
  readonly title: string;
  readonly sizes: ReadonlyMap<string, number>;
  readonly params: ReadonlyArray<{ readonly name: string; readonly default: number }>;
  readonly vectors: readonly VectorDecl[];
  readonly noises: readonly string[];
  readonly latent: ReadonlyArray<{ readonly name: string; readonly variance: Expr }>;
  readonly samples: ReadonlyMap<string, readonly VectorTerm[]>;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly input: string; readonly direction: string }>;
  readonly updates: ReadonlyArray<{ readonly direction: string; readonly step: Expr; readonly terms: readonly VectorTerm[]; readonly sphere: boolean }>;
  /** Every overlap of two directions (both orders are keys `a|b`). */
  readonly gram: ReadonlyMap<string, OverlapEntry>;
  /** State overlaps in state order. */
  readonly state: readonly OverlapEntry[];
  /** Fixed–fixed overlaps that are parameters. */
  readonly overlapParams: readonly OverlapEntry[];
  readonly initial: ReadonlyMap<string, number>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const short = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 39)}…` : s);

/** Own keys of a JSON object, in order, refusing keys that are not names. */
function entries(obj: Json, where: string, keyRule = NAME): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const key of Object.keys(obj)) {
    if (!keyRule.test(key) || key.length > 40 || isReservedName(key)) throw new ModelFileError(`${where}: ${short(key)} is not an allowed name`);
    out.push([key, obj[key]]);
  }
  return out;
}

function checkKeys(obj: Json, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new ModelFileError(`${where}: unknown key ${short(key)} (allowed: ${allowed.join(', ')})`);
  }
}

const pairSuffix = (rows: number[], sizes: number[]) => {
  const shown = rows.filter((_, i) => sizes[i] > 1);
  return Math.max(...sizes) >= 10 ? shown.join('_') : shown.join('');
};

/** A name family: rows indexed by size names. */
interface Family {
  readonly sizeNames: readonly string[];
  readonly sizes: readonly number[];
  /** The expanded name (or a literal '0'/'1') of a row. */
  nameOf(rows: number[]): string;
}

type Token = { t: 'name' | 'num' | 'op'; text: string };

function tokenize(text: string, where: string): Token[] {
  const out: Token[] = [];
  const re = /\s+|([A-Za-z][A-Za-z0-9_]*)|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|([-+*/^(),'])/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) {
      const c = text[i];
      const code = c.codePointAt(0)!;
      const shown = code > 126 || code < 32 ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
      throw new ModelFileError(`${where}: character ${shown} is not allowed (at position ${i})`);
    }
    if (m[1] !== undefined) out.push({ t: 'name', text: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'num', text: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'op', text: m[3] });
    i = re.lastIndex;
  }
  return out;
}

/** The arguments of a call whose '(' is at toks[open]: token lists split at top-level commas, and the index of ')'. */
function callArgs(toks: Token[], open: number, where: string): { args: Token[][]; close: number } {
  let depth = 0;
  const args: Token[][] = [[]];
  for (let i = open; i < toks.length; i++) {
    const t = toks[i];
    if (t.t === 'op' && t.text === '(') { depth++; if (depth === 1) continue; }
    if (t.t === 'op' && t.text === ')') { depth--; if (depth === 0) return { args, close: i }; }
    if (depth === 1 && t.t === 'op' && t.text === ',') { args.push([]); continue; }
    args[args.length - 1].push(t);
  }
  throw new ModelFileError(`${where}: unbalanced parentheses`);
}

class Expander {
  readonly families = new Map<string, Family>();
  readonly functions = new Map<string, Expr>();

  constructor(readonly indices: ReadonlyMap<string, { sizeName: string; size: number }>) {}

  /** The text with sum(), g(), g'() and row indices expanded. */
  expand(text: unknown, where: string, bound: ReadonlyMap<string, number> = new Map()): string {
    if (typeof text !== 'string') throw new ModelFileError(`${where} must be an expression (a string)`);
    if (text.length > MAX_TEXT) throw new ModelFileError(`${where}: expression longer than ${MAX_TEXT} characters`);
    const out = this.expandTokens(tokenize(text, where), where, bound);
    if (out.trim() === '') throw new ModelFileError(`${where}: empty expression`);
    return out;
  }

  private expandTokens(toks: Token[], where: string, bound: ReadonlyMap<string, number>): string {
    let out = '';
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      if (out.length > MAX_EXPANDED) throw new ModelFileError(`${where}: the expanded expression is longer than ${MAX_EXPANDED} characters`);
      if (t.t === 'op' && t.text === "'") throw new ModelFileError(`${where}: a prime ' must follow a declared function name`);
      if (t.t !== 'name') { out += t.text; continue; }
      const next = toks[i + 1];
      if (t.text === 'sum' && next?.t === 'op' && next.text === '(') {
        const { args, close } = callArgs(toks, i + 1, where);
        if (args.length !== 2 || args[0].length !== 1 || args[0][0].t !== 'name') {
          throw new ModelFileError(`${where}: sum takes an index and a body: sum(k, ...)`);
        }
        const idx = args[0][0].text;
        const info = this.indices.get(idx);
        if (!info) throw new ModelFileError(`${where}: sum over ${short(idx)}, which is not a declared index (model.indices)`);
        if (bound.has(idx)) throw new ModelFileError(`${where}: index ${idx} is already bound here`);
        const parts: string[] = [];
        for (let r = 1; r <= info.size; r++) {
          parts.push(`(${this.expandTokens(args[1], where, new Map([...bound, [idx, r]]))})`);
        }
        out += `(${parts.join('+')})`;
        i = close;
        continue;
      }
      const fn = this.functions.get(t.text);
      if (fn) {
        let primes = 0, j = i + 1;
        while (toks[j]?.t === 'op' && toks[j].text === "'") { primes++; j++; }
        if (!(toks[j]?.t === 'op' && toks[j].text === '(')) throw new ModelFileError(`${where}: function ${t.text} must be applied: ${t.text}(...)`);
        if (primes > 4) throw new ModelFileError(`${where}: at most 4 derivatives of ${t.text}`);
        const { args, close } = callArgs(toks, j, where);
        if (args.length !== 1 || args[0].length === 0) throw new ModelFileError(`${where}: ${t.text} takes one argument`);
        const argText = this.expandTokens(args[0], where, bound);
        let body = fn;
        for (let p = 0; p < primes; p++) body = diff(body, 'z');
        let arg: Expr;
        try { arg = parse(argText); } catch (err) { throw asModelError(err, where); }
        out += `(${print(substitute(body, new Map([['z', arg]])))})`;
        i = close;
        continue;
      }
      out += ` ${this.resolveName(t.text, where, bound)} `;
    }
    return out;
  }

  /** name_k_l → the row's name, for bound indices k, l. */
  resolveName(name: string, where: string, bound: ReadonlyMap<string, number>): string {
    const parts = name.split('_');
    const rows: number[] = [], idxs: string[] = [];
    while (parts.length > 1 && this.indices.has(parts[parts.length - 1])) {
      const idx = parts.pop()!;
      if (!bound.has(idx)) throw new ModelFileError(`${where}: ${name}: index ${idx} is not bound here (write sum(${idx}, ...) or use it in an update of a family indexed by ${idx})`);
      rows.unshift(bound.get(idx)!);
      idxs.unshift(idx);
    }
    if (rows.length === 0) return name;
    const base = parts.join('_');
    const fam = this.families.get(base);
    if (!fam) throw new ModelFileError(`${where}: ${name}: ${short(base)} is not a family that rows can index`);
    if (fam.sizeNames.length !== rows.length) {
      throw new ModelFileError(`${where}: ${name}: ${base} takes ${fam.sizeNames.length} ind${fam.sizeNames.length === 1 ? 'ex' : 'ices'}, got ${rows.length}`);
    }
    idxs.forEach((idx, i) => {
      const runs = this.indices.get(idx)!.sizeName;
      if (runs !== fam.sizeNames[i]) throw new ModelFileError(`${where}: ${name}: index ${idx} runs over ${runs} but ${base} has ${fam.sizeNames[i]} rows there`);
    });
    return fam.nameOf(rows);
  }
}

function asModelError(err: unknown, where: string): Error {
  if (err instanceof ParseError) return new ModelFileError(`${where}: ${err.reason}`);
  if (err instanceof ModelFileError) return err;
  if (err instanceof InputError) return new ModelFileError(`${where}: ${err.message.split('\n')[0]}`);
  return err as Error;
}

function finiteNumber(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFileError(`${where} must be a finite number`);
  return v;
}

/** Parses and validates a model file's text. */
export function parseModelText(text: string, where = 'model'): UserModel {
  let json: unknown;
  try { json = JSON.parse(text); } catch (err) {
    throw new ModelFileError(`${where}: not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  return parseModel(json, where);
}

/** Validates a model given as parsed JSON. */
export function parseModel(json: unknown, where = 'model'): UserModel {
  if (!isObject(json)) throw new ModelFileError(`${where}: expected a JSON object`);
  checkKeys(json, ['title', 'sizes', 'indices', 'parameters', 'vectors', 'noises', 'latent', 'samples', 'fields', 'functions', 'scalars', 'updates', 'overlaps', 'initial', 'about'], where);
  if (json.about !== undefined && (typeof json.about !== 'string' || json.about.length > 4000)) throw new ModelFileError(`${where}.about must be a string of at most 4000 characters`);
  const title = json.title === undefined ? 'user model' : json.title;
  if (typeof title !== 'string' || title.length > 200) throw new ModelFileError(`${where}.title must be a string of at most 200 characters`);
  const taken = new Map<string, string>(); // every declared name → where
  const claim = (name: string, at: string) => {
    if (RESERVED.has(name)) throw new ModelFileError(`${at}: ${short(name)} is reserved`);
    const prev = taken.get(name);
    if (prev) throw new ModelFileError(`${at}: the name ${short(name)} is already used by ${prev}`);
    taken.set(name, at);
  };
  const section = (key: string): Json => {
    const v = json[key];
    if (v === undefined) return {};
    if (!isObject(v)) throw new ModelFileError(`${where}.${key} must be an object`);
    return v;
  };

  // sizes and indices
  const sizes = new Map<string, number>();
  for (const [name, v] of entries(section('sizes'), `${where}.sizes`)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_ROWS) throw new ModelFileError(`${where}.sizes.${name} must be an integer in 1..${MAX_ROWS}`);
    sizes.set(name, v);
  }
  const sizeOf = (v: unknown, at: string): { sizeName: string; size: number } => {
    if (v === undefined) return { sizeName: '', size: 1 };
    if (typeof v !== 'string' || !sizes.has(v)) throw new ModelFileError(`${at} must name a size in ${where}.sizes (${[...sizes.keys()].join(', ') || 'none declared'})`);
    return { sizeName: v, size: sizes.get(v)! };
  };
  const indices = new Map<string, { sizeName: string; size: number }>();
  for (const [name, v] of entries(section('indices'), `${where}.indices`)) {
    indices.set(name, sizeOf(v, `${where}.indices.${name}`));
  }
  const ex = new Expander(indices);
  const rowNames = (base: string, size: number) => Array.from({ length: size }, (_, i) => (size > 1 ? `${base}${i + 1}` : base));
  const family1 = (base: string, s: { sizeName: string; size: number }): Family => ({
    sizeNames: [s.sizeName], sizes: [s.size], nameOf: (r) => (s.size > 1 ? `${base}${r[0]}` : base),
  });

  // parameters
  const params: Array<{ name: string; default: number }> = [];
  for (const [name, v] of entries(section('parameters'), `${where}.parameters`)) {
    const at = `${where}.parameters.${name}`;
    if (typeof v === 'number') { claim(name, at); params.push({ name, default: finiteNumber(v, at) }); continue; }
    if (!isObject(v)) throw new ModelFileError(`${at} must be a number or {"rows": SIZE, "default": number or list}`);
    checkKeys(v, ['rows', 'default'], at);
    const s = sizeOf(v.rows, `${at}.rows`);
    const defs = Array.isArray(v.default) ? v.default : Array<unknown>(s.size).fill(v.default ?? 0);
    if (defs.length !== s.size) throw new ModelFileError(`${at}.default needs ${s.size} values`);
    rowNames(name, s.size).forEach((r, i) => { claim(r, at); params.push({ name: r, default: finiteNumber(defs[i], `${at}.default`) }); });
    if (s.sizeName) ex.families.set(name, family1(name, s));
  }

  // vectors
  const vectors: VectorDecl[] = [];
  const directionOwner = new Map<string, VectorDecl>();
  for (const [name, v] of entries(section('vectors'), `${where}.vectors`, VECTOR_NAME)) {
    const at = `${where}.vectors.${name}`;
    if (!isObject(v)) throw new ModelFileError(`${at} must be an object {"rows"?, "learned"?, "sphere"?, "orthonormal"?}`);
    checkKeys(v, ['rows', 'learned', 'sphere', 'orthonormal'], at);
    for (const k of ['learned', 'sphere', 'orthonormal']) {
      if (v[k] !== undefined && typeof v[k] !== 'boolean') throw new ModelFileError(`${at}.${k} must be true or false`);
    }
    const s = sizeOf(v.rows, `${at}.rows`);
    const learned = v.learned === true, orthonormal = v.orthonormal === true;
    if (orthonormal && learned) throw new ModelFileError(`${at}: only a fixed family can be declared orthonormal`);
    const decl: VectorDecl = { name, ...s, learned, sphere: v.sphere === true || orthonormal, orthonormal, rows: rowNames(name, s.size) };
    claim(name, at);
    vectors.push(decl);
    decl.rows.forEach((r) => { if (r !== name) claim(r, at); directionOwner.set(r, decl); });
    if (s.sizeName) ex.families.set(name, family1(name, s));
  }
  if (!vectors.some((v) => v.learned)) throw new ModelFileError(`${where}.vectors: no learned vector (mark one "learned": true)`);

  // noises
  const noisesJson = json.noises ?? [];
  if (!Array.isArray(noisesJson)) throw new ModelFileError(`${where}.noises must be a list of names`);
  const noises: string[] = [];
  noisesJson.forEach((nm, i) => {
    if (typeof nm !== 'string' || !VECTOR_NAME.test(nm) || isReservedName(nm)) throw new ModelFileError(`${where}.noises[${i}] must be a name`);
    claim(nm, `${where}.noises[${i}]`);
    noises.push(nm);
  });

  // overlaps: names for pairs of vectors
  const overlapDecl = new Map<string, string>();
  for (const [name, v] of entries(section('overlaps'), `${where}.overlaps`)) {
    const at = `${where}.overlaps.${name}`;
    if (!Array.isArray(v) || v.length !== 2 || v.some((x) => typeof x !== 'string')) throw new ModelFileError(`${at} must be a pair of vector names ["w", "v"]`);
    const [a, b] = v as string[];
    for (const x of [a, b]) if (!vectors.some((d) => d.name === x)) throw new ModelFileError(`${at}: ${short(x)} is not a declared vector`);
    if (overlapDecl.has(`${a}|${b}`) || overlapDecl.has(`${b}|${a}`)) throw new ModelFileError(`${at}: the overlap of ${a} and ${b} is named twice`);
    overlapDecl.set(`${a}|${b}`, name);
  }
  const gram = new Map<string, OverlapEntry>();
  const state: OverlapEntry[] = [], overlapParams: OverlapEntry[] = [];
  const vectorPairs: Array<[VectorDecl, VectorDecl, string]> = [];
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i; j < vectors.length; j++) {
      let [A, B] = [vectors[i], vectors[j]];
      let name = overlapDecl.get(`${A.name}|${B.name}`);
      if (name === undefined && overlapDecl.has(`${B.name}|${A.name}`)) { name = overlapDecl.get(`${B.name}|${A.name}`); [A, B] = [B, A]; }
      if (name === undefined) name = `${A.name}${B.name}`;
      vectorPairs.push([A, B, name]);
    }
  }
  // declared order first, then the rest
  const declaredOrder = [...overlapDecl.values()];
  vectorPairs.sort((x, y) => {
    const ix = declaredOrder.indexOf(x[2]), iy = declaredOrder.indexOf(y[2]);
    return (ix < 0 ? Infinity : ix) - (iy < 0 ? Infinity : iy);
  });
  for (const [A, B, name] of vectorPairs) {
    const same = A === B;
    const sizesAB = [A.size, B.size];
    const entryName = (ra: number, rb: number) => {
      if (same && ra === rb && A.sphere) return '1';
      if (same && A.orthonormal) return ra === rb ? '1' : '0';
      const [x, y] = same && ra > rb ? [rb, ra] : [ra, rb];
      const sfx = pairSuffix([x, y], sizesAB);
      return `${name}${sfx}`;
    };
    const indexed = [A, B].filter((d) => d.sizeName !== '');
    if (indexed.length) {
      ex.families.set(name, {
        sizeNames: indexed.map((d) => d.sizeName),
        sizes: indexed.map((d) => d.size),
        nameOf: (r) => {
          let k = 0;
          const ra = A.sizeName ? r[k++] : 1, rb = B.sizeName ? r[k++] : 1;
          return entryName(ra, rb);
        },
      });
    }
    A.rows.forEach((ra, ia) => B.rows.forEach((rb, ib) => {
      if (same && ib < ia) return;
      const nm = entryName(ia + 1, ib + 1);
      const kind: OverlapEntry['kind'] = nm === '1' ? 'one' : nm === '0' ? 'zero' : A.learned || B.learned ? 'state' : 'param';
      const entry: OverlapEntry = { name: nm, a: ra, b: rb, kind };
      gram.set(`${ra}|${rb}`, entry);
      gram.set(`${rb}|${ra}`, entry);
      if (kind === 'state') { claim(nm, `${where}.overlaps.${name}`); state.push(entry); }
      if (kind === 'param') { claim(nm, `${where}.overlaps.${name}`); overlapParams.push(entry); }
    }));
  }

  // latent Gaussians
  const latent: Array<{ name: string; variance: Expr }> = [];
  const paramNames = params.map((p) => p.name);
  const parseIn = (text: string, symbols: readonly string[], at: string): Expr => {
    try { return parse(text, { symbols }); } catch (err) { throw asModelError(err, at); }
  };
  for (const [name, v] of entries(section('latent'), `${where}.latent`)) {
    const at = `${where}.latent.${name}`;
    const obj = isObject(v) ? v : { variance: v };
    checkKeys(obj, ['rows', 'index', 'variance'], at);
    const s = sizeOf(obj.rows, `${at}.rows`);
    const idx = obj.index;
    if (idx !== undefined && (typeof idx !== 'string' || indices.get(idx)?.sizeName !== s.sizeName)) {
      throw new ModelFileError(`${at}.index must be a declared index running over ${s.sizeName || 'no size'}`);
    }
    rowNames(name, s.size).forEach((r, i) => {
      claim(r, at);
      const bound = new Map(idx === undefined ? [] : [[idx as string, i + 1] as const]);
      const text = obj.variance === undefined ? '1' : ex.expand(obj.variance, `${at}.variance`, bound);
      latent.push({ name: r, variance: parseIn(text, [...paramNames, ...overlapParams.map((o) => o.name)], `${at}.variance`) });
    });
    if (s.sizeName) ex.families.set(name, family1(name, s));
  }
  const latentNames = latent.map((l) => l.name);

  // functions
  for (const [name, v] of entries(section('functions'), `${where}.functions`)) {
    const at = `${where}.functions.${name}`;
    claim(name, at);
    if (typeof v !== 'string') throw new ModelFileError(`${at} must be an expression in z, e.g. "erf(z/sqrt(2))"`);
    ex.functions.set(name, parseIn(ex.expand(v, at), ['z', ...paramNames], at));
  }

  // vector terms (samples and updates)
  const deterministic = [...paramNames, ...overlapParams.map((o) => o.name), ...state.map((o) => o.name)];
  const samples = new Map<string, VectorTerm[]>();
  const termList = (list: unknown, at: string, bound: ReadonlyMap<string, number>, symbols: string[], vectorKinds: 'sample' | 'update'): VectorTerm[] => {
    if (!Array.isArray(list) || list.length === 0) throw new ModelFileError(`${at} must be a non-empty list of {"vector", "coefficient", "sum"?}`);
    const out: VectorTerm[] = [];
    list.forEach((term, i) => {
      const ti = `${at}[${i}]`;
      if (!isObject(term)) throw new ModelFileError(`${ti} must be an object {"vector", "coefficient", "sum"?}`);
      checkKeys(term, ['vector', 'coefficient', 'sum'], ti);
      const sumIdx = term.sum;
      if (sumIdx !== undefined && (typeof sumIdx !== 'string' || !indices.has(sumIdx) || bound.has(sumIdx))) {
        throw new ModelFileError(`${ti}.sum must be a declared index not already bound`);
      }
      const reps = sumIdx === undefined ? [bound] : Array.from({ length: indices.get(sumIdx as string)!.size }, (_, r) => new Map([...bound, [sumIdx as string, r + 1]]));
      for (const b of reps) {
        if (typeof term.vector !== 'string') throw new ModelFileError(`${ti}.vector must be a name`);
        const vecName = ex.resolveName(term.vector, `${ti}.vector`, b);
        const isDirection = directionOwner.has(vecName), isNoise = noises.includes(vecName), isSample = samples.has(vecName);
        if (!isDirection && !isNoise && !(vectorKinds === 'update' && isSample)) {
          const owner = vectors.find((d) => d.name === vecName && d.size > 1);
          throw new ModelFileError(`${ti}.vector: ${short(vecName)} is not ${vectorKinds === 'update' ? 'a vector row, a noise or a sample' : 'a vector row or a noise'}${owner ? ` (${vecName} is a family: index it, ${vecName}_${[...indices].find(([, s]) => s.sizeName === owner.sizeName)?.[0] ?? 'k'})` : ''}`);
        }
        const text = term.coefficient === undefined ? '1' : ex.expand(term.coefficient, `${ti}.coefficient`, b);
        const c = parseIn(text, symbols, `${ti}.coefficient`);
        if (vectorKinds === 'sample') checkGaussianTerm(c, isNoise, latentNames, `${ti}.coefficient`);
        out.push({ vector: vecName, coefficient: c });
      }
    });
    return out;
  };
  for (const [name, v] of entries(section('samples'), `${where}.samples`, VECTOR_NAME)) {
    const at = `${where}.samples.${name}`;
    claim(name, at);
    samples.set(name, termList(v, at, new Map(), [...deterministic, ...latentNames], 'sample'));
  }

  // fields
  const fields: Array<{ name: string; input: string; direction: string }> = [];
  for (const [name, v] of entries(section('fields'), `${where}.fields`)) {
    const at = `${where}.fields.${name}`;
    if (!isObject(v)) throw new ModelFileError(`${at} must be {"vector": a declared vector, "input": a noise or sample}: a projection`);
    checkKeys(v, ['vector', 'input'], at);
    const dv = vectors.find((d) => d.name === v.vector);
    if (!dv) throw new ModelFileError(`${at}.vector: ${short(String(v.vector))} is not a declared vector (a field is the projection of an input on a vector)`);
    if (typeof v.input !== 'string' || !(noises.includes(v.input) || samples.has(v.input))) {
      throw new ModelFileError(`${at}.input: ${short(String(v.input))} is not a noise or a sample (a field is the projection of an input on a vector)`);
    }
    const names = rowNames(name, dv.size);
    names.forEach((r, i) => { claim(r, at); fields.push({ name: r, input: v.input as string, direction: dv.rows[i] }); });
    if (dv.sizeName) ex.families.set(name, family1(name, { sizeName: dv.sizeName, size: dv.size }));
  }
  const fieldNames = fields.map((f) => f.name);

  // scalars
  const scalarNames: string[] = [];
  const scalars = new Map<string, Expr>();
  const withScalars = (e: Expr) => (scalars.size ? substitute(e, scalars) : e);
  for (const [name, v] of entries(section('scalars'), `${where}.scalars`)) {
    const at = `${where}.scalars.${name}`;
    const e = parseIn(ex.expand(v, at), [...deterministic, ...latentNames, ...fieldNames, ...scalarNames], at);
    claim(name, at);
    scalarNames.push(name);
    scalars.set(name, withScalars(e));
  }

  // updates
  const updates: Array<{ direction: string; step: Expr; terms: VectorTerm[]; sphere: boolean }> = [];
  const coefSymbols = [...deterministic, ...latentNames, ...fieldNames, ...scalarNames];
  for (const [name, v] of entries(section('updates'), `${where}.updates`, VECTOR_NAME)) {
    const at = `${where}.updates.${name}`;
    const dv = vectors.find((d) => d.name === name);
    if (!dv) throw new ModelFileError(`${at}: ${short(name)} is not a declared vector`);
    if (!dv.learned) throw new ModelFileError(`${at}: ${name} is fixed (declare it "learned": true to update it)`);
    if (!isObject(v)) throw new ModelFileError(`${at} must be {"step", "terms", "index"?}`);
    checkKeys(v, ['step', 'terms', 'index'], at);
    const idx = v.index;
    if (dv.sizeName && (typeof idx !== 'string' || indices.get(idx)?.sizeName !== dv.sizeName)) {
      throw new ModelFileError(`${at}.index must be a declared index running over ${dv.sizeName} (the rows of ${name})`);
    }
    if (!dv.sizeName && idx !== undefined) throw new ModelFileError(`${at}.index: ${name} is a single vector, it takes no index`);
    const step = parseIn(ex.expand(v.step ?? '1', `${at}.step`), paramNames, `${at}.step`);
    dv.rows.forEach((row, i) => {
      const bound = new Map(dv.sizeName ? [[idx as string, i + 1] as const] : []);
      const terms = termList(v.terms, `${at}.terms`, bound, coefSymbols, 'update').map((t) => ({ ...t, coefficient: withScalars(t.coefficient) }));
      updates.push({ direction: row, step, terms, sphere: dv.sphere });
    });
  }
  for (const d of vectors) {
    if (d.learned && !updates.some((u) => directionOwner.get(u.direction) === d)) throw new ModelFileError(`${where}.updates: the learned vector ${d.name} has no update`);
  }

  // initial values
  const initial = new Map<string, number>();
  const known = new Set([...state.map((o) => o.name)]);
  for (const [name, v] of entries(section('initial'), `${where}.initial`)) {
    if (!known.has(name)) throw new ModelFileError(`${where}.initial: ${short(name)} is not a state overlap (known: ${[...known].join(', ')})`);
    initial.set(name, finiteNumber(v, `${where}.initial.${name}`));
  }

  return {
    title, sizes, params: [...params, ...overlapParams.map((o) => ({ name: o.name, default: o.a === o.b ? 1 : 0 }))],
    vectors, noises, latent, samples, fields, updates, gram, state, overlapParams, initial,
  };
}

/** A sample term must keep the input Gaussian: a noise times a constant, a vector times a linear form in the latent variables. */
function checkGaussianTerm(c: Expr, isNoise: boolean, latent: readonly string[], at: string): void {
  const used = [...freeSymbols(c)].filter((s) => latent.includes(s));
  if (isNoise) {
    if (used.length) throw new ModelFileError(`${at}: a noise vector times ${used.join(', ')} is a non-Gaussian input (a noise's coefficient must be deterministic)`);
    return;
  }
  if (used.length === 0) return;
  let ok = true;
  try {
    const p = polyIn(c, latent);
    ok = p.terms.every((t) => t.exps.reduce((s, k) => s + k, 0) <= 1 && latent.every((v) => !freeSymbols(t.coeff).has(v)));
  } catch { ok = false; }
  if (!ok) throw new ModelFileError(`${at}: ${print(c)} is not linear in the latent Gaussians: a non-Gaussian input`);
}
