// A model file's one step in the vector algebra (src/symbolic/highdim.ts) and its
// mean-field limit by the lifted derivation (src/symbolic/online.ts).

import {
  type Expr, type HighDimSpace, type Vec, type OnlineStep, type System,
  ONE, ZERO, H, add, mul, pow, rat, sym, vec, vadd, vscale, inner, normalize, substitute,
  overlapDrifts, coordinateSde, projectionName, expand, polyFromExpr, polyTerms,
  ExpectationCollector, type SystemWithExpectations, freeSymbols,
} from '../../symbolic/index.ts';
import { type UserModel, ModelFileError } from './model-file.ts';

/** (√x)^{2k+r} → x^k (√x)^r in every term: noise amplitudes such as sqrt(eta) squared. */
export function foldSquareRoots(e: Expr): Expr {
  const out: Expr[] = [];
  for (const t of polyTerms(polyFromExpr(e))) {
    out.push(mul(t.coeff, ...t.factors.map((f) => {
      const a = f.atom;
      if (a.kind === 'call' && a.fn === 'sqrt' && Math.abs(f.exp) >= 2) {
        const k = Math.trunc(f.exp / 2), r = f.exp - 2 * k;
        return mul(pow(a.args[0], rat(k)), pow(a, rat(r)));
      }
      return pow(a, rat(f.exp));
    })));
  }
  return expand(add(...out));
}

export interface ModelStep {
  readonly step: OnlineStep;
  /** Each field as an expression in the Gaussian projections and latent variables. */
  readonly fields: ReadonlyMap<string, Expr>;
}

/** The vector of a direction, noise or sample. */
function vectorOf(model: UserModel, name: string, sampleVecs: ReadonlyMap<string, Vec>): Vec {
  return sampleVecs.get(name) ?? vec([name, ONE]);
}

/** The rescaled coordinate √n·eᵢᵀx of a direction (u_i; u_i_2 for row 2 of a family), as in solvable-gan. */
export function coordinateName(model: UserModel, direction: string): string {
  const v = model.vectors.find((d) => d.rows.includes(direction))!;
  return v.size > 1 ? `${v.name}_i_${v.rows.indexOf(direction) + 1}` : `${v.name}_i`;
}

const BASIS = 'e_coordinate';

/**
 * One step of the model as vectors to order h = 1/n; with `coordinate`, in k = n^{-1/2}
 * (h = k², kept to k³) with a unit basis vector e = eᵢ among the directions,
 * ⟨e, x⟩ = k·x̂ (the rescaled coordinate), for the per-coordinate SDE.
 */
export function modelStep(model: UserModel, coordinate = false): ModelStep {
  const rows = model.vectors.flatMap((v) => v.rows);
  const directions = coordinate ? [BASIS, ...rows] : rows;
  const k = sym('k');
  const gram = (x: string, y: string): Expr => {
    if (x === BASIS || y === BASIS) {
      if (x === y) return ONE;
      return mul(k, sym(coordinateName(model, x === BASIS ? y : x)));
    }
    const entry = model.gram.get(`${x}|${y}`);
    if (!entry) throw new Error(`no overlap for ${x}, ${y}`);
    return entry.kind === 'one' ? ONE : entry.kind === 'zero' ? ZERO : sym(entry.name);
  };
  const userNames = new Set([...model.params.map((p) => p.name), ...model.latent.map((l) => l.name), ...model.fields.map((f) => f.name), ...model.state.map((o) => o.name)]);
  for (const a of model.noises) {
    for (const d of directions) {
      const p = projectionName(a, d);
      if (userNames.has(p)) throw new ModelFileError(`model: the name ${p} is used by the derivation for the projection of ${a} on ${d}: rename it`);
    }
  }
  const space: HighDimSpace = coordinate
    ? { directions, gram, noises: model.noises, small: 'k', smallPowerOfInverseN: 2 }
    : { directions, gram, noises: model.noises };
  const h = coordinate ? mul(k, k) : H;
  const sampleVecs = new Map<string, Vec>();
  for (const [name, terms] of model.samples) {
    sampleVecs.set(name, vadd(...terms.map((t) => vscale(vectorOf(model, t.vector, sampleVecs), t.coefficient))));
  }
  const fields = new Map<string, Expr>();
  for (const f of model.fields) fields.set(f.name, inner(space, vectorOf(model, f.input, sampleVecs), vec([f.direction, ONE])));
  const next = new Map<string, Vec>();
  for (const u of model.updates) {
    const delta = vadd(...u.terms.map((t) => vscale(vectorOf(model, t.vector, sampleVecs), substitute(t.coefficient, fields))));
    const moved = vadd(vec([u.direction, ONE]), vscale(delta, mul(h, u.step)));
    next.set(u.direction, u.sphere ? normalize(space, moved, coordinate ? 3 : 1) : moved);
  }
  const vars = model.latent.map((l) => l.name);
  const cov = vars.map((_, i) => vars.map((__, j) => (i === j ? model.latent[i].variance : ZERO)));
  return { step: { space, latent: { vars, cov }, next, after: foldSquareRoots }, fields };
}

/** Most vector rows the symbolic derivation takes (its work grows like rows⁴; 6 rows take seconds). */
export const MAX_DERIVE_ROWS = 8;

function checkDerivable(model: UserModel): void {
  const rows = model.vectors.reduce((s, v) => s + v.size, 0);
  if (rows > MAX_DERIVE_ROWS) {
    throw new ModelFileError(`model.sizes: ${rows} vector rows in all; the symbolic derivation takes at most ${MAX_DERIVE_ROWS} (simulate has no such limit)`);
  }
}

/** A prefix for the numeric expectations' names (E_1, E_2, ...) that no name of the model starts with. */
function expectationPrefix(model: UserModel): string {
  const names = [...model.params.map((p) => p.name), ...model.latent.map((l) => l.name), ...model.fields.map((f) => f.name),
    ...model.state.map((o) => o.name), ...model.vectors.flatMap((v) => [v.name, ...v.rows]), ...model.noises];
  let prefix = 'E_';
  while (names.some((n) => n.startsWith(prefix))) prefix += '_';
  return prefix;
}

/**
 * The overlap ODE of the model: states in model.state order, parameters as declared.
 * Expectations without a closed form become numeric ones (`expectations`, named E_1, ...;
 * src/symbolic/gaussian-numeric.ts), evaluated by the compile layer.
 */
export function deriveModelOde(model: UserModel): System | SystemWithExpectations {
  checkDerivable(model);
  const { step } = modelStep(model);
  const numeric = new ExpectationCollector(expectationPrefix(model));
  const drift = overlapDrifts({ ...step, numeric }, model.state.map((o) => ({ name: o.name, a: o.a, b: o.b })));
  const system = { state: model.state.map((o) => o.name), params: model.params.map((p) => p.name), drift };
  // (a reduction that failed part-way may have registered an orthant the drift does not use)
  const used = new Set<string>();
  for (const d of drift) freeSymbols(d, used);
  const expectations = numeric.list.filter((q) => used.has(q.name));
  return expectations.length ? { ...system, expectations } : system;
}

/**
 * The per-coordinate SDE (McKean–Vlasov limit): drift and diffusion of the rescaled
 * coordinates √n·eᵢᵀx of every vector row; the overlaps enter as parameters.
 */
export function deriveModelSde(model: UserModel): System {
  checkDerivable(model);
  const { step } = modelStep(model, true);
  const rows = model.vectors.flatMap((v) => v.rows.map((r) => ({ name: coordinateName(model, r), direction: v.learned ? r : null })));
  const { drift, diffusion } = coordinateSde(step, rows, BASIS);
  return { state: rows.map((r) => r.name), params: [...model.params.map((p) => p.name), ...model.state.map((o) => o.name)], drift, diffusion };
}
