// The fused NNGP/NTK tile-row kernel of the ABReLU family (relu, leaky_relu, abrelu, abs)
// and the erf family (erf, sigmoid_like), one of them at each hidden layer, in WebAssembly
// SIMD: two entries of a tile row per f64x2 lane pair, through the same operations in the
// same order as the JS kernel (codegen.ts rowsSource with the activations' CORRELATION,
// ABReLU and erf templates, PREAMBLE's fdlibm arccos, and for erf's Math.atan2 V8's fdlibm
// atan2, wasm-atan2.ts), so both give the same bits: wasm has no fused multiply-add and its
// f64x2 arithmetic is IEEE-754 per lane. Branches become selects (the one branch left skips the
// correlation's edge rules for pairs of ordinary entries): arccos evaluates its
// rational kernel once, at z = ρ² (|ρ| < 1/2) or z = (1 − |ρ|)/2, and takes √z always.
//
// The module is fixed: one of eight byte strings (NTK or not, NTK or standard
// parameterization, ordinary or shared memory) built by this file from wasm-encoder.ts's
// opcode tables. The architecture's numbers (W², b², fan-ins, each activation's kind and
// constants: H and F of the ABReLU family, B2, B2x2, KA, C2, KD of the erf family),
// the inputs and the per-row variances enter as data in its memory, never as code:
// there is no source text, so nothing a user writes can become code here. The JS around
// it, the block driver (driverSource), is generated from fixed templates and the plan's
// d and L, and checked and compiled like the JS kernel, on every thread from one text.
//
// Memory layout (f64 entries): X1 (N1·d, row-major) | X2, D2, R2 transposed tile by tile
// (for each TILE columns: d, resp. L, rows of TILE + 8 entries, so that the spare lanes
// of an eight-column group past the last column read padding, and a tile's rows lie
// together) | D1, R1 (N1·(L+1), as prepare computes them) | constants (CONST_STRIDE per
// dense layer) | each thread's S and Θ of its tile row (TILE + 8 each) | each thread's
// transposed tile scratch for the mirror tile of a Gram matrix (S, then Θ: TILE² each).

import { Code, encodeModule, F64, I32, V128, type WasmMemory, type WasmModule, wasmApi } from './wasm-encoder.ts';
import { type KernelPlan, TILE, compileSource } from './codegen.ts';
import { lit } from './activations.ts';
import { atan2Scratch, emitAtan2, matchesMathAtan2 } from './wasm-atan2.ts';

// fdlibm's asin/acos constants, as in codegen.ts PREAMBLE (test/ntk/kernels-wasm.test.ts
// checks the two kernels agree entry by entry)
const PI2_HI = 1.57079632679489655800e+00, PI2_LO = 6.12323399573676603587e-17;
const PI_HI = 3.1415926535897931160e+00, PI_LO = 1.2246467991473531772e-16;
const PS = [1.66666666666666657415e-01, -3.25565818622400915405e-01, 2.01212532134862925881e-01,
  -4.00555345006794114027e-02, 7.91534994289814532176e-04, 3.47933107596021167570e-05];
const QS = [-2.40339491173441421878e+00, 2.02094576023350569471e+00, -6.88283971605453293030e-01, 7.70381505559019352791e-02];

/**
 * Doubles per dense layer in the constants table: W², b², fan-in, has-bias, the kind of the
 * activation before it (0: ABReLU, 1: erf) and its constants (H, F; or B2, B2x2, KA, C2, KD).
 */
const CONST_STRIDE = 10;

/**
 * `row(pX, c0, c1, pX2, pD2, pR2, pD1, pR1, diag, d, stride, L, pC, pS, pT, invd, pTr, ti)`:
 * the tile row of x_i (at byte pX) against tile columns c0 ≤ c < c1 (pX2, pD2, pR2 point
 * at the tile's block of X2ᵀ, D2ᵀ, R2ᵀ; stride is their row length in bytes; pD1,
 * pR1 at row i's variances), leaving S (NNGP) and Θ (NTK) of the row in pS, pT; diag ≥ 0
 * is the tile column of the Gram diagonal entry (S = s_i exactly at every layer); pTr ≥ 0
 * also writes the row into column ti of the transposed tile scratch at pTr (S, then Θ TILE²
 * entries on), for the mirror tile of a Gram matrix.
 */
function rowCode(wantNtk: boolean, std: boolean): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F64, I32, I32]);
  const [pX, c0, c1, pX2, pD2, pR2, pD1, pR1, diag, d, stride, L, pC, pS, pT, invd, pTr, ti] = c.params.map((_, k) => k);
  const i32 = () => c.local(I32), v128 = () => c.local(V128);
  const cb = i32(), end = i32(), k = i32(), px = i32(), p2 = i32(), l = i32(), pl = i32();
  const accs = [v128(), v128(), v128(), v128()], g = v128(), v = v128(), w0 = v128(), b0 = v128(), n0 = v128(), h0 = v128(), vinvd = v128();
  const vs1 = v128(), vr1 = v128(), vsr1 = v128(), vw2 = v128(), vb2 = v128(), vcn = v128(), vch = v128(), vH = v128(), vF = v128();
  const S = v128(), s2 = v128(), r2 = v128(), rho = v128(), m = v128(), cond = v128(), a = v128(), small = v128(), z = v128();
  const r = v128(), sq = v128(), t = v128(), th = v128(), K = v128(), Kd = v128();
  const vP2 = v128(), vP3 = v128(), vP4 = v128(), vt1 = v128(), Sb = v128(), y2 = v128();
  const scratch = atan2Scratch(c);
  const s1 = c.local(F64);
  const splatAt = (p: number, offset: number, into: number) => c.get(p).mem('f64.load', offset).simd('f64x2.splat').set(into);
  const add = () => c.simd('f64x2.add'), sub = () => c.simd('f64x2.sub'), mul = () => c.simd('f64x2.mul');
  const at = (base: number) => c.get(base).get(cb).op('i32.add');
  /** columns c0 ≤ c < c1 in pairs: body runs with cb = 8c */
  const columns = (body: () => void) => {
    c.get(c0).i32(3).op('i32.shl').set(cb);
    c.op('loop');
    body();
    c.get(cb).i32(16).op('i32.add').tee(cb).get(end).op('i32.lt_s').op('br_if', 0);
    c.op('end');
  };

  c.get(c1).i32(3).op('i32.shl').set(end);
  splatAt(pC, 0, w0); splatAt(pC, 8, b0); splatAt(pC, 16, n0); splatAt(pC, 24, h0);
  c.get(invd).simd('f64x2.splat').set(vinvd);
  // input dot products, eight columns at a time in four accumulators (each sum over k in
  // order, as the JS kernel and the norms); columns past c1 read and write padding
  c.get(c0).i32(3).op('i32.shl').set(cb);
  c.op('loop');
  for (const q of accs) c.f64x2(0).set(q);
  c.get(pX).set(px);
  c.get(pX2).get(cb).op('i32.add').set(p2);
  c.i32(0).set(k);
  c.op('loop');
  c.get(px).mem('f64.load').simd('f64x2.splat').set(g);
  accs.forEach((q, u) => { c.get(q).get(g).get(p2).simd('v128.load', 16 * u); mul(); add(); c.set(q); });
  c.get(px).i32(8).op('i32.add').set(px);
  c.get(p2).get(stride).op('i32.add').set(p2);
  c.get(k).i32(1).op('i32.add').tee(k).get(d).op('i32.lt_s').op('br_if', 0);
  c.op('end');
  accs.forEach((q, u) => {
    c.get(q).get(vinvd); mul(); c.set(g);
    at(pS); c.get(w0).get(g); mul(); c.get(b0); add(); c.tee(v).simd('v128.store', 16 * u);
    if (wantNtk) {
      at(pT);
      if (std) { c.get(n0).get(g); mul(); c.get(h0); add(); } else c.get(v);
      c.simd('v128.store', 16 * u);
    }
  });
  c.get(cb).i32(64).op('i32.add').tee(cb).get(end).op('i32.lt_s').op('br_if', 0);
  c.op('end');

  // hidden layers
  c.get(L).op('i32.eqz').op('i32.eqz').op('if');
  c.i32(0).set(l);
  c.get(pC).i32(8 * CONST_STRIDE).op('i32.add').set(pl);
  c.op('loop');
  c.get(pD1).mem('f64.load').tee(s1).simd('f64x2.splat').set(vs1);
  splatAt(pR1, 0, vr1);
  c.get(s1).get(pR1).mem('f64.load').op('f64.mul').simd('f64x2.splat').set(vsr1);
  splatAt(pl, 0, vw2); splatAt(pl, 8, vb2); splatAt(pl, 16, vcn); splatAt(pl, 24, vch);
  splatAt(pl, 40, vH); splatAt(pl, 48, vF); splatAt(pl, 56, vP2); splatAt(pl, 64, vP3); splatAt(pl, 72, vP4);
  // the Gram diagonal enters every layer with S = s_i exactly
  c.get(diag).i32(0).op('i32.ge_s').op('if');
  c.get(pS).get(diag).i32(3).op('i32.shl').op('i32.add').get(s1).mem('f64.store');
  c.op('end');
  /** S ← W²·K + b² and Θ from K, K̇ (the locals K, Kd) at the pair cb */
  const update = () => {
    at(pS); c.get(vw2).get(K); mul(); c.get(vb2); add(); c.tee(v).simd('v128.store');
    if (wantNtk) {
      at(pT);
      if (std) { c.get(vcn).get(K); mul(); c.get(vw2); at(pT); c.simd('v128.load'); mul(); c.get(Kd); mul(); add(); c.get(vch); add(); }
      else { c.get(v).get(vw2); at(pT); c.simd('v128.load'); mul(); c.get(Kd); mul(); add(); }
      c.simd('v128.store');
    }
  };
  c.get(pl).mem('f64.load', 32).f64(0).op('f64.gt').op('if');
  // the erf family (constants B2, B2x2, KA, C2, KD in vH, vF, vP2, vP3, vP4):
  // Sb = B2·S, D = (1 + B2x2·s1)(1 + B2x2·s2) − 4·Sb·Sb, K = KA·atan2(2·Sb, √max(D, 0)) + C2, K̇ = KD/√max(D, 0)
  c.get(vF).get(vs1); mul(); c.f64x2(1); add(); c.set(vt1);
  columns(() => {
    at(pS); c.simd('v128.load').set(S);
    c.get(vH).get(S); mul(); c.set(Sb);
    c.get(vt1); c.get(vF); at(pD2); c.simd('v128.load'); mul(); c.f64x2(1); add(); mul();
    c.f64x2(4).get(Sb); mul(); c.get(Sb); mul(); sub();
    c.f64x2(0).simd('f64x2.max').simd('f64x2.sqrt').set(sq);
    c.f64x2(2).get(Sb); mul(); c.set(y2);
    c.get(vP2); emitAtan2(c, y2, sq, scratch); mul(); c.get(vP3); add(); c.set(K);
    c.get(vP4).get(sq).simd('f64x2.div').set(Kd);
    update();
  });
  c.op('else');
  columns(() => {
    at(pS); c.simd('v128.load').set(S);
    at(pD2); c.simd('v128.load').set(s2);
    at(pR2); c.simd('v128.load').set(r2);
    // ρ = S·r1·r2, ±1 exactly where S² ≥ s1·s2 > 0 (finite) or s1 = s2 = |S| > 0, else clamped (NaN → 0).
    // Where S² < s1·s2 and 0 < s1·s2 < ∞ in both lanes (S² then equals s1·s2 in neither rule, and
    // ρ is no NaN), the rules reduce to the clamp into [−1, 1]: pmin/pmax take the JS comparisons' sides.
    c.get(S).get(vr1); mul(); c.get(r2); mul(); c.set(rho);
    c.get(vs1).get(s2); mul(); c.set(m);
    c.get(S).get(S); mul(); c.get(m).simd('f64x2.lt');
    c.get(m).f64x2(0).simd('f64x2.gt').simd('v128.and');
    c.get(m).f64x2(Infinity).simd('f64x2.lt').simd('v128.and');
    c.simd('v128.not').simd('v128.any_true');
    c.op('if');
    c.get(S).get(S); mul(); c.get(m).simd('f64x2.ge');
    c.get(m).f64x2(0).simd('f64x2.gt').simd('v128.and');
    c.get(m).f64x2(Infinity).simd('f64x2.lt').simd('v128.and');
    c.get(vs1).get(s2).simd('f64x2.eq');
    c.get(S).simd('f64x2.abs').get(vs1).simd('f64x2.eq').simd('v128.and');
    c.get(vs1).f64x2(0).simd('f64x2.gt').simd('v128.and');
    c.simd('v128.or').set(cond);
    c.f64x2(1).get(rho).get(rho).f64x2(1).simd('f64x2.gt').simd('v128.bitselect').set(rho);
    c.get(rho).f64x2(-1).f64x2(0).get(rho).f64x2(-1).simd('f64x2.lt').simd('v128.bitselect')
      .get(rho).f64x2(-1).simd('f64x2.ge').simd('v128.bitselect').set(rho);
    c.f64x2(-1).f64x2(1).get(S).f64x2(0).simd('f64x2.lt').simd('v128.bitselect')
      .get(rho).get(cond).simd('v128.bitselect').set(rho);
    c.op('else');
    c.get(rho).f64x2(1).simd('f64x2.pmin').f64x2(-1).simd('f64x2.pmax').set(rho);
    c.op('end');
    // θ = arccos ρ: z = ρ² on |ρ| < 1/2, else (1 − |ρ|)/2; r = z·P(z)/Q(z)
    c.get(rho).simd('f64x2.abs').set(a);
    c.get(a).f64x2(0.5).simd('f64x2.lt').set(small);
    c.get(a).get(a); mul(); c.f64x2(1).get(a); sub(); c.f64x2(0.5); mul(); c.get(small).simd('v128.bitselect').set(z);
    c.f64x2(PS[5]);
    for (let q = 4; q >= 0; q--) { c.get(z); mul(); c.f64x2(PS[q]); add(); }
    c.get(z); mul();
    c.f64x2(QS[3]);
    for (let q = 2; q >= 0; q--) { c.get(z); mul(); c.f64x2(QS[q]); add(); }
    c.get(z); mul(); c.f64x2(1); add();
    c.simd('f64x2.div').set(r);
    c.f64x2(PI2_HI).get(a).f64x2(PI2_LO).get(a).get(r); mul(); sub(); sub(); sub();
    c.get(z).simd('f64x2.sqrt').tee(sq).get(sq).get(r); mul(); add(); c.f64x2(2); mul();
    c.get(small).simd('v128.bitselect').set(t);
    c.f64x2(PI_HI).get(t); sub(); c.f64x2(PI_LO); add(); c.get(t).get(rho).f64x2(0).simd('f64x2.lt').simd('v128.bitselect').set(th);
    // K̇ = H − F·θ, K = F·(s1 r1)·(s2 r2)·√((1 − ρ)(1 + ρ)) + K̇·S
    c.get(vH).get(vF).get(th); mul(); sub(); c.set(Kd);
    c.get(vF).get(vsr1); mul(); c.get(s2).get(r2); mul(); mul();
    c.f64x2(1).get(rho); sub(); c.f64x2(1).get(rho); add(); mul(); c.simd('f64x2.sqrt'); mul();
    c.get(Kd).get(S); mul(); add(); c.set(K);
    update();
  });
  c.op('end');
  c.get(pl).i32(8 * CONST_STRIDE).op('i32.add').set(pl);
  for (const p of [pD2, pR2]) c.get(p).get(stride).op('i32.add').set(p);
  for (const p of [pD1, pR1]) c.get(p).i32(8).op('i32.add').set(p);
  c.get(l).i32(1).op('i32.add').tee(l).get(L).op('i32.lt_s').op('br_if', 0);
  c.op('end');
  c.op('end');
  // a Gram diagonal entry is its row's output variance (pD1 has moved on to it)
  c.get(diag).i32(0).op('i32.ge_s').op('if');
  c.get(pS).get(diag).i32(3).op('i32.shl').op('i32.add').get(pD1).mem('f64.load').mem('f64.store');
  c.op('end');
  // pTr ≥ 0: the row also into column ti of the transposed tile scratch (S at pTr, Θ TILE² entries on)
  c.get(pTr).i32(0).op('i32.ge_s').op('if');
  c.get(pTr).get(ti).i32(3).op('i32.shl').op('i32.add').get(c0).i32(8 * TILE).op('i32.mul').op('i32.add').set(px);
  c.get(c0).i32(3).op('i32.shl').set(cb);
  c.op('loop');
  c.get(px).get(pS).get(cb).op('i32.add').mem('f64.load').mem('f64.store');
  if (wantNtk) c.get(px).get(pT).get(cb).op('i32.add').mem('f64.load').mem('f64.store', 8 * TILE * TILE);
  c.get(px).i32(8 * TILE).op('i32.add').set(px);
  c.get(cb).i32(8).op('i32.add').tee(cb).get(end).op('i32.lt_s').op('br_if', 0);
  c.op('end');
  c.op('end');
  return c;
}

const modules = new Map<string, WasmModule | null>();

/** Pages of the shared module's memory limit (MAX_WASM_BYTES). */
const SHARED_MAX_PAGES = 32768;

/**
 * The compiled module for (wantNtk, std), importing an ordinary memory or (shared) a
 * shared one for worker threads; null where this runtime has no wasm SIMD or threads.
 */
function rowModule(wantNtk: boolean, std: boolean, shared = false): WasmModule | null {
  const key = `${wantNtk}:${std}:${shared}`;
  if (!modules.has(key)) {
    let mod: WasmModule | null = null;
    const api = wasmApi();
    if (api) {
      const bytes = encodeModule([{ name: 'row', code: rowCode(wantNtk, std) }], 1, shared ? SHARED_MAX_PAGES : undefined);
      if (api.validate(bytes)) mod = new api.Module(bytes);
    }
    modules.set(key, mod);
  }
  return modules.get(key)!;
}

/** Largest wasm memory the kernel takes (bytes); larger inputs run the JS kernel. */
export const MAX_WASM_BYTES = SHARED_MAX_PAGES * 65536;

/** Why the wasm kernel does not apply to a plan (on `threads` threads), or null when it does. */
export function wasmUnsupported(plan: KernelPlan, N1: number, N2: number, threads = 1): string | null {
  const odd = plan.activations.find((a) => a.abrelu === undefined && a.erf === undefined);
  if (odd) return `activation ${odd.spec} is outside the ABReLU (relu, leaky_relu, abrelu, abs) and erf (erf, sigmoid_like) families`;
  if (layout(plan, N1, N2, threads).bytes > MAX_WASM_BYTES) return `inputs need more than ${MAX_WASM_BYTES} bytes of wasm memory`;
  if (!rowModule(plan.wantNtk, plan.parameterization === 'standard', threads > 1)) {
    return `this runtime has no WebAssembly SIMD${threads > 1 ? ' with shared memory' : ''}`;
  }
  const erf = plan.activations.find((a) => a.erf !== undefined);
  if (erf && !matchesMathAtan2()) return `activation ${erf.spec}: this runtime's Math.atan2 differs in the last bits from fdlibm's, which the wasm kernel computes`;
  return null;
}

/** Columns per tile in the transposed, tile-major copies of X2, D2, R2 and in S, Θ (TILE and the spare lanes of eight-column groups). */
const TP = TILE + 8;

/** Byte offsets of the memory layout (see the top of this file); each thread has its own S and Θ. */
interface Layout {
  readonly X1: number; readonly X2: number; readonly D2: number; readonly R2: number;
  readonly D1: number; readonly R1: number; readonly C: number;
  /** S and Θ of thread t at ST + 16·TP·t and ST + 16·TP·t + 8·TP */
  readonly ST: number;
  /** the transposed tile scratch of thread t (S, then Θ: 2·TILE² entries) at TR + 16·TILE²·t */
  readonly TR: number;
  readonly bytes: number;
}

function layout(plan: KernelPlan, N1: number, N2: number, threads: number): Layout {
  const { d, depth: L } = plan;
  const DS = L + 1, tiles = Math.ceil(N2 / TILE);
  let at = 0;
  const take = (n: number) => { const p = at; at += 8 * (n + (n & 1)); return p; };
  const X1 = take(N1 * d), X2 = take(tiles * d * TP), D2 = take(tiles * L * TP), R2 = take(tiles * L * TP);
  const D1 = take(N1 * DS), R1 = take(N1 * DS), C = take(CONST_STRIDE * DS), ST = take(2 * TP * Math.max(1, threads));
  const TR = take(2 * TILE * TILE * Math.max(1, threads));
  return { X1, X2, D2, R2, D1, R1, C, ST, TR, bytes: at };
}

/** Writes the inputs, variances and constants of a call into the memory F at the layout's places. */
function fill(F: Float64Array, lay: Layout, plan: KernelPlan, X1: Float64Array, X2: Float64Array, N2: number,
  D1: Float64Array, R1: Float64Array, D2: Float64Array, R2: Float64Array): void {
  const { d, depth: L } = plan;
  const DS = L + 1;
  F.set(X1, lay.X1 / 8);
  for (let j = 0; j < N2; j++) {
    const t = Math.floor(j / TILE), c = j - t * TILE;
    for (let k = 0; k < d; k++) F[lay.X2 / 8 + (t * d + k) * TP + c] = X2[j * d + k];
    for (let l = 0; l < L; l++) {
      F[lay.D2 / 8 + (t * L + l) * TP + c] = D2[j * DS + l];
      F[lay.R2 / 8 + (t * L + l) * TP + c] = R2[j * DS + l];
    }
  }
  F.set(D1, lay.D1 / 8);
  F.set(R1, lay.R1 / 8);
  for (let l = 0; l < DS; l++) {
    const o = lay.C / 8 + CONST_STRIDE * l;
    F[o] = plan.W2[l]; F[o + 1] = plan.B2[l]; F[o + 2] = plan.fanIn[l]; F[o + 3] = plan.hasBias[l] ? 1 : 0;
    const act = l > 0 ? plan.activations[l - 1] : undefined;
    const e = act?.erf;
    F[o + 4] = e ? 1 : 0;
    const k = e ? [e.B2, e.B2x2, e.KA, e.C2, e.KD] : act?.abrelu ? [act.abrelu.H, act.abrelu.F, 0, 0, 0] : [0, 0, 0, 0, 0];
    for (let q = 0; q < 5; q++) F[o + 5 + q] = k[q];
  }
}

type RowFn = (pX: number, c0: number, c1: number, pX2: number, pD2: number, pR2: number, pD1: number, pR1: number,
  diag: number, d: number, stride: number, L: number, pC: number, pS: number, pT: number, invd: number, pTr: number, ti: number) => void;

/**
 * The block driver's arguments: the wasm `row` export, the byte offsets of a call's
 * memory layout and of this thread's S and Θ (`offsets`, in the order of `driverOffsets`),
 * OUT over this thread's S and Θ (S at 0, Θ at TP), the outputs, the sizes, and the row
 * blocks to run (BLOCKS[0..nBlocks)), with ROW the view of this thread's transposed tile
 * scratch at TR (2·TILE² entries), which the wasm `row` fills.
 */
type DriverFn = (row: RowFn, X1: number, X2: number, D1: number, R1: number, D2: number, R2: number, C: number, S: number, T: number, TR: number,
  OUT: Float64Array, NNGP: Float64Array, NTK: Float64Array | null, N1: number, N2: number, sym: boolean,
  BLOCKS: Int32Array, nBlocks: number, ROW: Float64Array) => void;

/**
 * The block driver of the wasm kernel, one text for every thread: compiled by compileSource
 * on the calling thread (checked by assertSafeSource, vocabulary 'ntk') and sent as the
 * jobs' `source` to worker threads, which compile that same checked text. With the JS
 * kernel's tiling (TILE×TILE tiles, only j ≥ i for a Gram matrix) it calls the wasm `row`
 * (EXT) for each row of a tile and copies the row's S and Θ out of wasm memory (OUT): into
 * the row, and for a Gram matrix into the mirror, directly inside a diagonal tile, else
 * through the transposed tile scratch that the wasm `row` fills in this thread's memory (TR,
 * viewed as ROW), written to the mirror tile row by row once the tile is done. Only numbers
 * of the plan (d, L and their byte strides) are literals in it.
 */
export function driverSource(plan: KernelPlan): string {
  const { d, depth: L } = plan;
  const DS = L + 1, TT = TILE * TILE;
  return [
    'return function rows(EXT, X1, X2, D1, R1, D2, R2, CW, S, T, TR, OUT, NNGP, NTK, N1, N2, sym, BLOCKS, nBlocks, ROW) {',
    'for (let bb = 0; bb < nBlocks; bb++) {',
    `const i0 = BLOCKS[bb], i1 = Math.min(i0 + ${TILE}, N1);`,
    `for (let j0 = sym ? i0 : 0; j0 < N2; j0 += ${TILE}) {`,
    `const j1 = Math.min(j0 + ${TILE}, N2), m = j1 - j0, t = j0 / ${TILE};`,
    'const onDiag = sym && j0 === i0;',
    `const p0 = X2 + t * ${8 * d * TP}, p1 = D2 + t * ${8 * L * TP}, p2 = R2 + t * ${8 * L * TP};`,
    'for (let i = i0; i < i1; i++) {',
    'const js = onDiag ? i - j0 : 0;',
    `EXT(X1 + i * ${8 * d}, js, m, p0, p1, p2, D1 + i * ${8 * DS}, R1 + i * ${8 * DS}, onDiag ? js : -1, ${d}, ${8 * TP}, ${L}, CW, S, T, ${lit(1 / d)}, sym && !onDiag ? TR : -1, i - i0);`,
    'const out = i * N2 + j0;',
    'for (let c = js; c < m; c++) NNGP[out + c] = OUT[c];',
    `if (NTK) { for (let c = js; c < m; c++) NTK[out + c] = OUT[${TP} + c]; }`,
    'if (onDiag) {',
    'for (let c = js; c < m; c++) NNGP[(j0 + c) * N2 + i] = OUT[c];',
    `if (NTK) { for (let c = js; c < m; c++) NTK[(j0 + c) * N2 + i] = OUT[${TP} + c]; }`,
    '}',
    '}',
    'if (sym && !onDiag) {',
    'for (let k = 0; k < m; k++) {',
    `const p = k * ${TILE}, o = (j0 + k) * N2 + i0;`,
    'for (let c = 0; c < i1 - i0; c++) NNGP[o + c] = ROW[p + c];',
    `if (NTK) { for (let c = 0; c < i1 - i0; c++) NTK[o + c] = ROW[${TT} + p + c]; }`,
    '}',
    '}',
    '}',
    '}',
    '};',
  ].join('\n');
}

/** The driver's offset arguments X1, X2, D1, R1, D2, R2, C, S, T, TR for `thread` (each thread has its own S, Θ and transposed scratch). */
function driverOffsets(lay: Layout, thread: number): number[] {
  const S = lay.ST + 16 * TP * thread;
  return [lay.X1, lay.X2, lay.D1, lay.R1, lay.D2, lay.R2, lay.C, S, S + 8 * TP, lay.TR + 16 * TILE * TILE * thread];
}

/**
 * A worker's wasm job, as a statement body of the kernel pool's handler (kernels.ts) over
 * `fn` (the block driver compiled from the job's `source`, driverSource's text checked on
 * the calling thread; the worker keeps its wasm instance on it by the instance's id: a
 * fresh instance per job would be a fresh call target each time, which V8 deoptimises
 * for) and `m` (the message of wasmRowsThreaded): the views the driver writes through and
 * the claiming loop of wasmRowsThreaded. Constant text; its only variable parts are the
 * numbers TP and TILE².
 */
export const WORKER_JOB = `
if (fn.wasmInstance !== m.instance) {
  fn.wasmRow = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports.row;
  fn.wasmInstance = m.instance;
}
const a = m.offsets, OUT = new Float64Array(m.memory.buffer, a[7], ${2 * TP}), ROW = new Float64Array(m.memory.buffer, a[9], ${2 * TILE * TILE});
const NNGP = new Float64Array(m.NNGP), NTK = m.NTK ? new Float64Array(m.NTK) : null;
const counter = new Int32Array(m.counter), order = new Int32Array(m.order), one = new Int32Array(1);
for (let k = Atomics.add(counter, 0, 1); k < order.length; k = Atomics.add(counter, 0, 1)) {
  one[0] = order[k];
  fn(fn.wasmRow, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], OUT, NNGP, NTK, m.N1, m.N2, m.sym, one, 1, ROW);
}`;

/** Largest wasm memory kept between calls (bytes): the inputs' copies, O((N1 + N2)·(d + L)). */
export const RETAINED_WASM_BYTES = 2 ** 26;

interface Instance { readonly memory: WasmMemory; readonly row: RowFn; readonly id: number; busy: boolean }
const instances = new Map<WasmModule, Instance>();
let nextInstanceId = 1;

function instantiate(mod: WasmModule, memory: WasmMemory): RowFn {
  return new (wasmApi()!.Instance)(mod, { env: { memory } }).exports.row as RowFn;
}

/**
 * An instance of mod with at least `bytes` of memory (shared for worker threads): the
 * same one from call to call while it fits RETAINED_WASM_BYTES and no other call is
 * using it (growing it as needed), so that the block drivers keep calling one wasm
 * function (V8 deoptimises optimised code that meets a new call target). `id` names
 * the instance for the workers, which keep theirs by it. Release with `busy = false`.
 */
function instanceFor(mod: WasmModule, bytes: number, shared: boolean): Instance {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const Memory = wasmApi()!.Memory;
  const make = (): Instance => {
    const memory = shared
      ? new Memory({ initial: pages, maximum: Math.max(pages, RETAINED_WASM_BYTES / 65536), shared: true })
      : new Memory({ initial: pages });
    return { memory, row: instantiate(mod, memory), id: nextInstanceId++, busy: true };
  };
  if (bytes > RETAINED_WASM_BYTES) return make();
  const kept = instances.get(mod);
  if (!kept) { const inst = make(); instances.set(mod, inst); return inst; }
  if (kept.busy) return make();
  const have = kept.memory.buffer.byteLength / 65536;
  if (have < pages) kept.memory.grow(pages - have);
  kept.busy = true;
  return kept;
}

/**
 * The NNGP (and NTK) of a plan into NNGP/NTK through the wasm kernel on the calling
 * thread. Call only where wasmUnsupported(plan, N1, N2) is null.
 */
export function wasmRows(
  plan: KernelPlan, X1: Float64Array, X2: Float64Array, N1: number, N2: number,
  D1: Float64Array, R1: Float64Array, D2: Float64Array, R2: Float64Array,
  NNGP: Float64Array, NTK: Float64Array | null, sym: boolean,
): void {
  const mod = rowModule(plan.wantNtk, plan.parameterization === 'standard');
  if (!mod) throw new TypeError('wasmRows: this runtime has no WebAssembly SIMD');
  const driver = compileSource<DriverFn>(driverSource(plan));
  const lay = layout(plan, N1, N2, 1);
  const inst = instanceFor(mod, lay.bytes, false);
  try {
    const { memory, row } = inst;
    fill(new Float64Array(memory.buffer), lay, plan, X1, X2, N2, D1, R1, D2, R2);
    const [pX1, pX2, pD1, pR1, pD2, pR2, pC, pS, pT, pTr] = driverOffsets(lay, 0);
    const blocks = Int32Array.from({ length: Math.ceil(N1 / TILE) }, (_, b) => b * TILE);
    driver(row, pX1, pX2, pD1, pR1, pD2, pR2, pC, pS, pT, pTr, new Float64Array(memory.buffer, pS, 2 * TP), NNGP, NTK, N1, N2, sym,
      blocks, blocks.length, new Float64Array(memory.buffer, pTr, 2 * TILE * TILE));
  } finally {
    inst.busy = false;
  }
}

/**
 * The wasm kernel on `threads` threads: its memory shared (inputs copied once, each
 * thread its own S and Θ), row blocks claimed from a shared counter in `order` by the
 * calling thread and by jobs that `post(k, message)` sends to threads − 1 workers, whose
 * handler (kernels.ts) runs WORKER_JOB with the block driver compiled from the message's
 * `source` (driverSource's text, checked here by compileSource before any job is posted).
 * Call only where wasmUnsupported(plan, N1, N2, threads) is null.
 */
export async function wasmRowsThreaded(
  plan: KernelPlan, X1: Float64Array, X2: Float64Array, N1: number, N2: number,
  D1: Float64Array, R1: Float64Array, D2: Float64Array, R2: Float64Array,
  NNGP: Float64Array, NTK: Float64Array | null, sym: boolean, threads: number, order: Int32Array,
  post: (k: number, message: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  const mod = rowModule(plan.wantNtk, plan.parameterization === 'standard', true);
  if (!mod) throw new TypeError('wasmRowsThreaded: this runtime has no WebAssembly SIMD with shared memory');
  const source = driverSource(plan);
  const driver = compileSource<DriverFn>(source);
  const lay = layout(plan, N1, N2, threads);
  const inst = instanceFor(mod, lay.bytes, true);
  try {
    const { memory, row, id } = inst;
    fill(new Float64Array(memory.buffer), lay, plan, X1, X2, N2, D1, R1, D2, R2);
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const jobs = Array.from({ length: threads - 1 }, (_, k) => post(k, {
      source, module: mod, memory, instance: id, offsets: driverOffsets(lay, k + 1), N1, N2, sym,
      order: order.buffer, counter: counter.buffer, NNGP: NNGP.buffer, NTK: NTK ? NTK.buffer : null,
    }));
    try {
      const [pX1, pX2, pD1, pR1, pD2, pR2, pC, pS, pT, pTr] = driverOffsets(lay, 0);
      const OUT = new Float64Array(memory.buffer, pS, 2 * TP), ROW = new Float64Array(memory.buffer, pTr, 2 * TILE * TILE), one = new Int32Array(1);
      for (let k = Atomics.add(counter, 0, 1); k < order.length; k = Atomics.add(counter, 0, 1)) {
        one[0] = order[k];
        driver(row, pX1, pX2, pD1, pR1, pD2, pR2, pC, pS, pT, pTr, OUT, NNGP, NTK, N1, N2, sym, one, 1, ROW);
      }
    } finally {
      await Promise.allSettled(jobs);
    }
    await Promise.all(jobs);
  } finally {
    inst.busy = false;
  }
}
