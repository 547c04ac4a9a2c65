// Closed-form NNGP/NTK against neural-tangents 0.6.6 (test/fixtures/ntk/kernels.json,
// every case), the F.3 test vectors of docs/ntk-kernels.md, Gram matrices, numerical safety
// and input validation.
//
// Error measure: |ours − nt| / max(|nt|, 1e-5·scale_ij), scale_ij = √(K(x_i,x_i) K(x_j,x_j))
// (a bound on |K_ij| for the PSD kernels here): relative, except for entries that
// cancel to far below their natural scale, where no f64 implementation is
// relative-accurate. Singular cases (below) use |ours − nt| / max(|nt|, scale_ij).
//
// "Singular" cases: d = 1 and b_std ∈ {0, none}, so every input correlation is ±1
// exactly. There the arccos in ReLU-family and sign duals turns a rounding error u
// of the correlation into √(2u) ≈ 2e-8 in the angle (README: "rounding is
// amplified to about 1e-8 relative"), in neural-tangents and here alike: the NTK
// (through K̇) gets ~1e-8, the NNGP of ReLU-family stays exact to first order
// (its dual is flat in θ at θ = 0), and sign, whose NNGP is linear in θ, passes
// 2e-8 in ρ to the next layer, where it becomes √(2·2e-8) ≈ 2e-4 in the angle.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cholesky } from '../../src/numeric/index.ts';
import { parseArchitecture } from '../../src/ntk/index.ts';
import { kernels, kernelsAsync, KernelInputError, type Matrix } from '../../src/ntk/index.ts';
import { dense, serial, stack } from '../../src/ntk/index.ts';
import { relu, erfAct, gelu, polynomial, sign } from '../../src/ntk/index.ts';

interface Case {
  id: number; group: string; d: number;
  arch: { depth: number; activation: string; activation_expr: string; W_std: number; b_std: number | null; parameterization: string; hidden_width: number };
  x1: number[][]; x2: number[][]; nngp: number[][]; ntk: number[][]; cov1: number[]; cov2: number[];
  nngp_11?: number[][]; ntk_11?: number[][];
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/ntk/kernels.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** The spec string of a fixture case (stax names are accepted as written). */
function specOf(c: Case): string {
  const a = c.arch;
  const act = a.activation_expr.replace('stax.', '').replace(/^Polynomial\(\[(.*)\]\)$/, 'polynomial($1)');
  const b = a.b_std === null ? 'none' : String(a.b_std);
  const blocks: string[] = [];
  for (let l = 0; l < a.depth; l++) blocks.push(`dense(${a.W_std}, ${b})`, act);
  blocks.push(`dense(${a.W_std}, ${b})`);
  return `serial(${blocks.join(', ')}; parameterization=${a.parameterization}, width=${a.hidden_width})`;
}

const RELU_FAMILY = new Set(['Relu', 'LeakyRelu', 'Abs', 'ABRelu']);
const isSingular = (c: Case) => c.d === 1 && (c.arch.b_std === 0 || c.arch.b_std === null)
  && (RELU_FAMILY.has(c.arch.activation) || c.arch.activation === 'Sign');

function errorOf(ours: number, ref: number, scale: number): number {
  return Math.abs(ours - ref) / Math.max(Math.abs(ref), 1e-5 * scale);
}

/** Singular cases: absolute error in units of the entry's scale (the √u effect is absolute in θ). */
function scaledErrorOf(ours: number, ref: number, scale: number): number {
  return Math.abs(ours - ref) / Math.max(Math.abs(ref), scale);
}

interface Worst { value: number; where: string }
const worse = (w: Worst, value: number, where: () => string) => { if (value > w.value || Number.isNaN(value)) { w.value = value; w.where = where(); } };

describe('closed-form kernels against neural-tangents fixtures', () => {
  // Groups of activations for the printed summary: worst error off- and on-diagonal.
  const summary = new Map<string, { nngp: Worst; ntk: Worst; cov: Worst; gramOff: Worst; gramDiag: Worst }>();
  const group = (c: Case) => `${c.arch.activation}${isSingular(c) ? ' (singular d=1,b=0)' : ''}`;

  it(`agrees on all ${fixtures.cases.length} cases (x1×x2, cov1, cov2, Gram matrices)`, () => {
    expect(fixtures.cases.length).toBe(468);
    for (const c of fixtures.cases) {
      const arch = parseArchitecture(specOf(c));
      const r = kernels(arch, c.x1, c.x2);
      const g1 = kernels(arch, c.x1), g2 = kernels(arch, c.x2);
      const n1 = c.x1.length, n2 = c.x2.length;
      const key = group(c);
      const err = isSingular(c) ? scaledErrorOf : errorOf;
      const s = summary.get(key) ?? {
        nngp: { value: 0, where: '' }, ntk: { value: 0, where: '' }, cov: { value: 0, where: '' },
        gramOff: { value: 0, where: '' }, gramDiag: { value: 0, where: '' },
      };
      summary.set(key, s);
      for (let i = 0; i < n1; i++) {
        for (let j = 0; j < n2; j++) {
          const nScale = Math.sqrt(g1.nngp.data[i * n1 + i] * g2.nngp.data[j * n2 + j]);
          const tScale = Math.sqrt(Math.abs(g1.ntk!.data[i * n1 + i] * g2.ntk!.data[j * n2 + j]));
          worse(s.nngp, err(r.nngp.data[i * n2 + j], c.nngp[i][j], nScale), () => `case ${c.id} nngp[${i}][${j}] ours ${r.nngp.data[i * n2 + j]} nt ${c.nngp[i][j]}`);
          worse(s.ntk, err(r.ntk!.data[i * n2 + j], c.ntk[i][j], tScale), () => `case ${c.id} ntk[${i}][${j}] ours ${r.ntk!.data[i * n2 + j]} nt ${c.ntk[i][j]}`);
        }
      }
      c.cov1.forEach((v, i) => worse(s.cov, errorOf(r.cov1[i], v, v), () => `case ${c.id} cov1[${i}]`));
      c.cov2.forEach((v, j) => worse(s.cov, errorOf(r.cov2[j], v, v), () => `case ${c.id} cov2[${j}]`));
      // Gram diagonal = diagonal formulas (forced S_ii = s_i) = cov1.
      for (let i = 0; i < n1; i++) expect(g1.nngp.data[i * n1 + i]).toBe(r.cov1[i]);
      const nngp11 = c.nngp_11, ntk11 = c.ntk_11;
      if (nngp11 && ntk11) {
        for (let i = 0; i < n1; i++) {
          for (let j = 0; j < n1; j++) {
            const nScale = Math.sqrt(g1.nngp.data[i * n1 + i] * g1.nngp.data[j * n1 + j]);
            const tScale = Math.sqrt(Math.abs(g1.ntk!.data[i * n1 + i] * g1.ntk!.data[j * n1 + j]));
            const w = i === j ? s.gramDiag : s.gramOff;
            worse(w, err(g1.nngp.data[i * n1 + j], nngp11[i][j], nScale), () => `case ${c.id} nngp_11[${i}][${j}]`);
            worse(w, err(g1.ntk!.data[i * n1 + j], ntk11[i][j], tScale), () => `case ${c.id} ntk_11[${i}][${j}] ours ${g1.ntk!.data[i * n1 + j]} nt ${ntk11[i][j]}`);
          }
        }
      }
    }
    const rows = [...summary].map(([k, s]) => `${k.padEnd(28)} nngp ${s.nngp.value.toExponential(1).padStart(8)}  ntk ${s.ntk.value.toExponential(1).padStart(8)}  `
      + `cov ${s.cov.value.toExponential(1).padStart(8)}  gram off ${s.gramOff.value.toExponential(1).padStart(8)}  gram diag ${s.gramDiag.value.toExponential(1).padStart(8)}`);
    console.log(`max error vs neural-tangents (relative, floor 1e-5·scale):\n${rows.join('\n')}`);
    for (const [k, s] of summary) {
      const singular = k.includes('singular');
      const sign = k.startsWith('Sign');
      // NNGP: 1e-10, except sign at correlation ±1 (see the file header: ~2e-4).
      const nngpTol = singular && sign ? 1e-3 : 1e-10;
      const ntkTol = singular ? (sign ? 1e-3 : 1e-7) : 1e-10;
      expect(s.nngp.value, `${k}: ${s.nngp.where}`).toBeLessThanOrEqual(nngpTol);
      expect(s.ntk.value, `${k}: ${s.ntk.where}`).toBeLessThanOrEqual(ntkTol);
      expect(s.cov.value, `${k}: ${s.cov.where}`).toBeLessThanOrEqual(1e-10);
      expect(s.gramOff.value, `${k}: ${s.gramOff.where}`).toBeLessThanOrEqual(ntkTol);
      expect(s.gramDiag.value, `${k}: ${s.gramDiag.where}`).toBeLessThanOrEqual(1e-10);
    }
  });

  it('singular cases: our values at correlation ±1 are consistent with homogeneity (ReLU family degree 1, sign degree 0)', () => {
    // With b = 0 the NNGP is positively homogeneous: K(a, b) = |a b|^p K(sgn a, sgn b) for d = 1, and the
    // NTK is |a b|^p H(σ) + G(σ) with σ = (sgn a, sgn b) (G collects the standard parameterization's +1
    // bias-gradient terms of b_std = 0, times degree-0 factors). K(±1, 1) and K(±2, 1) have ρ = ±1
    // exactly (√(s·s) = s), so they give H, G without the √u rounding effect.
    for (const c of fixtures.cases.filter(isSingular)) {
      const arch = parseArchitecture(specOf(c));
      const p = c.arch.activation === 'Sign' ? 0 : 1;
      const u1 = kernels(arch, [[1], [-1]], [[1]]), u2 = kernels(arch, [[2], [-2]], [[1]]);
      const r = kernels(arch, c.x1, c.x2);
      c.x1.forEach(([a], i) => c.x2.forEach(([b], j) => {
        const k = a * b > 0 ? 0 : 1;
        const f = Math.abs(a * b) ** p;
        const nScale = Math.sqrt(r.cov1[i] * r.cov2[j]);
        const tScale = Math.sqrt(Math.abs(kernels(arch, [[a]]).ntk!.data[0] * kernels(arch, [[b]]).ntk!.data[0]));
        // our own rounding of ρ = S/√(s1 s2) near ±1 (≤ 4u) costs √(2·4u) ≈ 4e-8 in θ, absolute;
        // for sign at depth 2 the second layer sees ρ off by 2θ/π and its angle by √(2·3e-8) ≈ 2.5e-4
        const tol = p === 0 && c.arch.depth === 2 ? 5e-4 : 6e-8;
        expect(Math.abs(r.nngp.data[i * 5 + j] - f * u1.nngp.data[k]), `case ${c.id}`).toBeLessThanOrEqual(tol * nScale);
        const H = p === 0 ? 0 : (u2.ntk!.data[k] - u1.ntk!.data[k]) / (2 - 1);
        const G = p === 0 ? u1.ntk!.data[k] : u1.ntk!.data[k] - H;
        const want = f * H + G;
        expect(Math.abs(r.ntk!.data[i * 5 + j] - want), `case ${c.id} ntk[${i}][${j}]`).toBeLessThanOrEqual(tol * tScale);
      }));
    }
  });
});

describe('F.3 test vectors (docs/ntk-kernels.md), x = (1, 0), d = 2, 6 significant digits', () => {
  const vectors = [
    { act: 'relu', W: 1, b: 1, L: 3, x2: [0.6, 0.8], nngp: 1.917693, ntk: 3.234406 },
    { act: 'relu', W: 1, b: 1, L: 3, x2: [-1, 2], nngp: 1.921670, ntk: 2.921453 },
    { act: 'relu', W: 1, b: 1, L: 3, x2: [1, 0], nngp: 1.9375, ntk: 3.5 },
    { act: 'erf', W: 1.5, b: 0.5, L: 2, x2: [0.6, 0.8], nngp: 1.021023, ntk: 2.578825 },
    { act: 'erf', W: 1.5, b: 0.5, L: 2, x2: [-1, 2], nngp: 0.172870, ntk: -0.152652 },
    { act: 'relu', W: Math.SQRT2, b: 0, L: 2, x2: [0.6, 0.8], nngp: 0.733434, ntk: 1.544416 },
  ];
  it.each(vectors)('$act W=$W b=$b L=$L x\'=$x2', (v) => {
    const arch = stack(v.L, v.act === 'relu' ? relu() : erfAct(), v.W, v.b);
    const r = kernels(arch, [[1, 0]], [v.x2]);
    expect(r.nngp.data[0]).toBeCloseTo(v.nngp, 6);
    expect(r.ntk!.data[0]).toBeCloseTo(v.ntk, 6);
  });

  it('ReLU diagonal without last-layer bias: NNGP 0.9375, NTK 2.5 (exact)', () => {
    const arch = serial(dense(1, 1), relu(), dense(1, 1), relu(), dense(1, 1), relu(), dense(1, null));
    const r = kernels(arch, [[1, 0]]);
    expect(r.nngp.data[0]).toBe(0.9375);
    expect(r.ntk!.data[0]).toBe(2.5);
  });
});

function randomRows(n: number, d: number, seed: number): number[][] {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  return Array.from({ length: n }, () => Array.from({ length: d }, () => 2 * u() - 1));
}

describe('Gram matrices and symmetry', () => {
  const arch = stack(3, relu(), 1.4, 0.2);
  const X = randomRows(37, 5, 7);

  it('the Gram matrix is symmetric and equals the x1×x2 computation off the diagonal', () => {
    const g = kernels(arch, X);
    const full = kernels(arch, X, X.map((r) => [...r]));
    expect(g.gram).toBe(true);
    expect(full.gram).toBe(false);
    const n = X.length;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        expect(g.nngp.data[i * n + j]).toBe(g.nngp.data[j * n + i]);
        expect(g.ntk!.data[i * n + j]).toBe(g.ntk!.data[j * n + i]);
        if (i !== j) worst = Math.max(worst, Math.abs(g.ntk!.data[i * n + j] - full.ntk!.data[i * n + j]) / Math.abs(full.ntk!.data[i * n + j]));
      }
    }
    expect(worst).toBeLessThan(1e-14);
  });

  it('a ReLU Gram diagonal is exact: duplicate rows in x2 reproduce it bit for bit', () => {
    const g = kernels(arch, X);
    const dup = kernels(arch, [X[3]], [X[3]]);
    expect(dup.nngp.data[0]).toBe(g.nngp.data[3 * X.length + 3]);
    expect(dup.ntk!.data[0]).toBe(g.ntk!.data[3 * X.length + 3]);
  });

  it('the NTK dominates the NNGP contribution and the Gram matrices are positive semidefinite (Cholesky with a rounding shift)', () => {
    const g = kernels(arch, X);
    const n = X.length;
    for (const M of [g.nngp.data, g.ntk!.data]) {
      let maxDiag = 0;
      for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, M[i * n + i]);
      const A = Float64Array.from(M);
      for (let i = 0; i < n; i++) A[i * n + i] += 1e-12 * n * maxDiag;
      expect(() => cholesky(A, n)).not.toThrow();
    }
  });

  it('worker threads give the same bits as the calling thread', async () => {
    const big = randomRows(301, 6, 3);
    const other = randomRows(77, 6, 4);
    for (const [x1, x2] of [[big, undefined], [big, other]] as const) {
      const a = kernels(arch, x1, x2);
      const b = await kernelsAsync(arch, x1, x2, { threads: 2 });
      expect(b.threads).toBe(2);
      expect(Array.from(b.nngp.data)).toEqual(Array.from(a.nngp.data));
      expect(Array.from(b.ntk!.data)).toEqual(Array.from(a.ntk!.data));
    }
  });

  it("get: ['nngp'] skips the NTK and gives the same NNGP", () => {
    const a = kernels(arch, X);
    const b = kernels(arch, X, undefined, { get: ['nngp'] });
    expect(b.ntk).toBeUndefined();
    expect(Array.from(b.nngp.data)).toEqual(Array.from(a.nngp.data));
  });
});

describe('numerical safety', () => {
  const finite = (m: Matrix) => Array.from(m.data).every(Number.isFinite);

  it('zero-norm inputs give finite kernels for every closed form (no NaN), with and without bias', () => {
    const acts = ['relu', 'leaky_relu(0.1)', 'abs', 'sign', 'erf', 'sigmoid_like', 'gelu', 'sin', 'cos(1, 2, 0.3)', 'rbf(0.5)',
      'exp(0.5, 0.3)', 'gaussian', 'gabor', 'identity', 'monomial(3)', 'polynomial(0.1, 1, 0.5)', 'hermite(4)'];
    for (const act of acts) {
      for (const b of ['0', 'none', '0.3']) {
        const arch = parseArchitecture(`serial(dense(1.2, ${b}), ${act}, dense(1.2, ${b}), ${act}, dense(1, ${b}))`);
        const r = kernels(arch, [[0, 0], [1, 2], [0, 0]], [[0, 0], [-1, 0.5]]);
        const g = kernels(arch, [[0, 0], [1, 2]]);
        expect(finite(r.nngp) && finite(r.ntk!) && finite(g.nngp) && finite(g.ntk!), `${act} b=${b}`).toBe(true);
      }
    }
  });

  it('ReLU at zero input follows neural-tangents: K = 0, K̇ = 1/4 (θ = π/2 fill)', () => {
    const r = kernels(serial(dense(1, 0), relu(), dense(1, 0)), [[0, 0]], [[1, 1]]);
    expect(r.nngp.data[0]).toBe(0);
    expect(r.ntk!.data[0]).toBe(0); // Θ¹ = 0 for a zero input, so 0·K̇ + 0
  });

  it('depth 20 and large W_std: finite, and the ReLU kernel scales as (W²)^(L+1) (positive homogeneity, b = 0)', () => {
    const X = randomRows(6, 3, 11);
    const small = kernels(stack(20, relu(), 1, 0), X);
    const big = kernels(stack(20, relu(), 1e3, 0), X);
    expect(finite(big.nngp) && finite(big.ntk!)).toBe(true);
    const factor = (1e6) ** 21;
    for (let t = 0; t < 36; t++) {
      expect(Math.abs(big.nngp.data[t] / factor - small.nngp.data[t])).toBeLessThanOrEqual(1e-12 * Math.abs(small.nngp.data[t]));
      expect(Math.abs(big.ntk!.data[t] / factor - small.ntk!.data[t])).toBeLessThanOrEqual(1e-12 * Math.abs(small.ntk!.data[t]));
    }
  });

  it('depth 20 with bias, erf and gelu: finite; correlations stay in [−1, 1]', () => {
    const X = randomRows(9, 4, 5);
    for (const act of [relu(), erfAct(), gelu(), sign()]) {
      const r = kernels(stack(20, act, 1.8, 0.3), X);
      expect(finite(r.nngp) && finite(r.ntk!)).toBe(true);
      for (let i = 0; i < 9; i++) {
        for (let j = 0; j < 9; j++) {
          const rho = r.nngp.data[i * 9 + j] / Math.sqrt(r.nngp.data[i * 10] * r.nngp.data[j * 10]);
          expect(Math.abs(rho)).toBeLessThanOrEqual(1 + 1e-12);
        }
      }
    }
  });

  it('overflow is an error that names the row, the layer and the architecture', () => {
    const arch = stack(20, polynomial(0, 0, 1), 3, 0);
    expect(() => kernels(arch, [[10, 10]])).toThrow(/row 0 .*activation \d+ \(polynomial\(0, 0, 1\)\).*overflows/);
  });
});

describe('input validation', () => {
  const arch = stack(1, relu(), 1, 0);
  it('rejects mismatched dimensions, ragged rows, non-finite entries and bad options', () => {
    expect(() => kernels(arch, [[1, 2]], [[1, 2, 3]])).toThrow(/x1 has 2 columns but x2 has 3/);
    expect(() => kernels(arch, [[1, 2], [1]])).toThrow(/x1\[1\] has 1 entries but x1\[0\] has 2/);
    expect(() => kernels(arch, [[1, NaN]])).toThrow(/x1\[0\]\[1\] is not a finite number/);
    expect(() => kernels(arch, [])).toThrow(KernelInputError);
    expect(() => kernels(arch, { data: new Float64Array(5), rows: 2, cols: 3 })).toThrow(/length 5, not 2×3/);
    expect(() => kernels(arch, [[1]], undefined, { get: ['foo' as 'ntk'] })).toThrow(/unknown kernel 'foo'/);
    const std = parseArchitecture('serial(dense(1, 0), relu, dense(1, 0); parameterization=standard)');
    expect(() => kernels(std, [[1]])).toThrow(/hidden width/);
  });
});
