// Names of the solvable GAN's state (overlaps) and parameters, shared by the
// derivation, the simulators, the CLI and the tests.

export type Normalization = 'column' | 'oja';

export interface OverlapNames {
  /** P[j][l] = u_jᵀv_l */
  P: string[][];
  /** q[j] = u_jᵀw */
  q: string[];
  /** r[l] = v_lᵀw */
  r: string[];
  /** S[l][m] = v_lᵀv_m for l < m (undefined on and below the diagonal) */
  S: (string | undefined)[][];
}

const idx = (d: number, ...i: number[]) => (d === 1 ? '' : i.map((k) => k + 1).join(''));

export function overlapNames(d: number): OverlapNames {
  const range = Array.from({ length: d }, (_, i) => i);
  return {
    P: range.map((j) => range.map((l) => `P${idx(d, j, l)}`)),
    q: range.map((j) => `q${idx(d, j)}`),
    r: range.map((l) => `r${idx(d, l)}`),
    S: range.map((l) => range.map((m) => (m > l ? `S${idx(d, l, m)}` : undefined))),
  };
}

/** State names in the order used everywhere: P (row-major), q, r, S (l < m). */
export function stateNames(d: number): string[] {
  const n = overlapNames(d);
  return [...n.P.flat(), ...n.q, ...n.r, ...n.S.flat().filter((s): s is string => s !== undefined)];
}

export interface ParamNames {
  tau: string;
  tau_g: string;
  eta_T: string;
  eta_G: string;
  lambda: string[];
  lambda_g: string[];
  all: string[];
}

export function paramNames(d: number): ParamNames {
  const lambda = Array.from({ length: d }, (_, i) => `lambda${idx(d, i)}`);
  const lambdaG = Array.from({ length: d }, (_, i) => `lambda_g${idx(d, i)}`);
  return {
    tau: 'tau', tau_g: 'tau_g', eta_T: 'eta_T', eta_G: 'eta_G', lambda, lambda_g: lambdaG,
    all: ['tau', 'tau_g', 'eta_T', 'eta_G', ...lambda, ...lambdaG],
  };
}
