// A minimal WebAssembly binary encoder: one module with one imported memory and
// functions over i32/f64/v128 locals, built from the handful of opcodes the NTK
// kernel needs (wasm-kernel.ts). Every byte comes from this file's opcode tables,
// LEB128-encoded integers and IEEE-754 constants: there is no text format, no
// parser and no user string anywhere on the path to WebAssembly.Module.

/** Value types. */
export const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

function uleb(n: number, out: number[]): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`uleb: ${n}`);
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
}

function sleb(n: number, out: number[]): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`sleb: ${n}`);
  for (;;) {
    const b = n & 0x7f;
    n = Math.floor(n / 128);
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}

const f64Bytes = (x: number): number[] => Array.from(new Uint8Array(new Float64Array([x]).buffer));

/** The SIMD (0xFD-prefixed) opcodes used, by name. */
const SIMD = {
  'v128.load': 0x00, 'v128.store': 0x0b, 'v128.const': 0x0c, 'f64x2.splat': 0x14, 'f64x2.extract_lane': 0x21,
  'f64x2.eq': 0x47, 'f64x2.ne': 0x48, 'f64x2.lt': 0x49, 'f64x2.gt': 0x4a, 'f64x2.le': 0x4b, 'f64x2.ge': 0x4c,
  'v128.not': 0x4d, 'v128.and': 0x4e, 'v128.andnot': 0x4f, 'v128.or': 0x50, 'v128.bitselect': 0x52,
  'f64x2.abs': 0xec, 'f64x2.neg': 0xed, 'f64x2.sqrt': 0xef,
  'f64x2.add': 0xf0, 'f64x2.sub': 0xf1, 'f64x2.mul': 0xf2, 'f64x2.div': 0xf3,
  'v128.any_true': 0x53, 'f64x2.pmin': 0xf6, 'f64x2.pmax': 0xf7, 'f64x2.max': 0xf5,
  // integer lanes over f64 bit patterns (wasm-atan2.ts); the shifts take an i32 count
  'i64x2.shr_s': 0xcc, 'i64x2.shr_u': 0xcd, 'i64x2.sub': 0xd1, 'i64x2.gt_s': 0xd9, 'i64x2.all_true': 0xc3, 'v128.xor': 0x51,
} as const;
export type SimdOp = keyof typeof SIMD;

/** The plain (one-byte) opcodes used, by name. */
const PLAIN = {
  'block': 0x02, 'loop': 0x03, 'if': 0x04, 'else': 0x05, 'end': 0x0b, 'br': 0x0c, 'br_if': 0x0d, 'return': 0x0f,
  'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22,
  'f64.load': 0x2b, 'f64.store': 0x39, 'i32.const': 0x41, 'f64.const': 0x44,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.shl': 0x74,
  'f64.gt': 0x64, 'f64.add': 0xa0, 'f64.sub': 0xa1, 'f64.mul': 0xa2, 'f64.div': 0xa3, 'f64.sqrt': 0x9f,
} as const;

/** The code of one function body: typed emitters that append bytes. */
export class Code {
  readonly bytes: number[] = [];
  private readonly locals: ValType[] = [];
  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[] = []) {}

  /** A new local of type t; returns its index. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  get(i: number): this { return this.op('local.get', i); }
  set(i: number): this { return this.op('local.set', i); }
  tee(i: number): this { return this.op('local.tee', i); }
  i32(n: number): this { this.bytes.push(PLAIN['i32.const']); sleb(n, this.bytes); return this; }
  f64(x: number): this { this.bytes.push(PLAIN['f64.const'], ...f64Bytes(x)); return this; }
  /** v128.const holding x in both f64 lanes. */
  f64x2(x: number): this { this.simd('v128.const'); const b = f64Bytes(x); this.bytes.push(...b, ...b); return this; }

  /** A plain opcode with its immediate: a local index, a block type (void), a branch depth. */
  op(name: keyof typeof PLAIN, imm?: number): this {
    this.bytes.push(PLAIN[name]);
    if (name === 'block' || name === 'loop' || name === 'if') this.bytes.push(0x40);
    else if (imm !== undefined) uleb(imm, this.bytes);
    return this;
  }

  /** f64.load / f64.store at a byte offset (alignment 8). */
  mem(name: 'f64.load' | 'f64.store', offset = 0): this {
    this.bytes.push(PLAIN[name], 3);
    uleb(offset, this.bytes);
    return this;
  }

  /** A SIMD opcode; v128.load/store take a byte offset (alignment 16), f64x2.extract_lane a lane (0, 1). */
  simd(name: SimdOp, imm = 0): this {
    this.bytes.push(0xfd);
    uleb(SIMD[name], this.bytes);
    if (name === 'v128.load' || name === 'v128.store') { this.bytes.push(4); uleb(imm, this.bytes); }
    else if (name === 'f64x2.extract_lane') {
      if (imm !== 0 && imm !== 1) throw new RangeError(`f64x2 lane: ${imm}`);
      this.bytes.push(imm);
    }
    return this;
  }

  /** The function body: local declarations, code, end. */
  encode(): number[] {
    const out: number[] = [];
    const groups: Array<[number, ValType]> = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, out);
    for (const [n, t] of groups) { uleb(n, out); out.push(t); }
    out.push(...this.bytes, PLAIN.end);
    const body: number[] = [];
    uleb(out.length, body);
    return body.concat(out);
  }
}

function section(id: number, payload: number[]): number[] {
  const out = [id];
  uleb(payload.length, out);
  return out.concat(payload);
}

function name(s: string, out: number[]): void {
  // names are this project's fixed ASCII identifiers
  if (!/^[a-z][a-z0-9_]*$/.test(s)) throw new RangeError(`wasm name: ${s}`);
  uleb(s.length, out);
  for (let k = 0; k < s.length; k++) out.push(s.charCodeAt(k));
}

/**
 * A module importing env.memory (at least minPages 64 KB pages; with sharedMaxPages, a
 * shared memory of at most that many, which threads can use together) and exporting
 * each function under its name.
 */
export function encodeModule(funcs: ReadonlyArray<{ name: string; code: Code }>, minPages: number, sharedMaxPages?: number): Uint8Array {
  const types: number[] = [];
  uleb(funcs.length, types);
  for (const { code } of funcs) {
    types.push(0x60);
    uleb(code.params.length, types); types.push(...code.params);
    uleb(code.results.length, types); types.push(...code.results);
  }
  const imports: number[] = [1];
  name('env', imports); name('memory', imports);
  if (sharedMaxPages === undefined) { imports.push(0x02, 0x00); uleb(minPages, imports); }
  else { imports.push(0x02, 0x03); uleb(minPages, imports); uleb(sharedMaxPages, imports); }
  const fsec: number[] = [];
  uleb(funcs.length, fsec);
  funcs.forEach((_, k) => uleb(k, fsec));
  const exps: number[] = [];
  uleb(funcs.length, exps);
  funcs.forEach((f, k) => { name(f.name, exps); exps.push(0x00); uleb(k, exps); });
  const code: number[] = [];
  uleb(funcs.length, code);
  for (const f of funcs) code.push(...f.code.encode());
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, fsec), ...section(7, exps), ...section(10, code),
  ]);
}

// ---------------------------------------------------------------- the JS API

/** A compiled module (opaque here). */
export type WasmModule = object;
/** A linear memory: ordinary, or shared between threads (its buffer a SharedArrayBuffer). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
/** The part of the WebAssembly JS API used here (the project's lib, ES2022, types none of it). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (mod: WasmModule, imports: { env: { memory: WasmMemory } }) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** This runtime's WebAssembly, or null where it has none. */
export function wasmApi(): WasmApi | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return typeof api === 'object' && api !== null ? api : null;
}
