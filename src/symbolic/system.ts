import type { Expr } from './expr.ts';

/**
 * A dynamical system dx/dt = f(x; θ) or, with `diffusion`, the Itô SDE
 * dX_i = f_i dt + g_i dW_i (diagonal noise). Everything is an Expr over the
 * declared state and parameter names.
 */
export interface System {
  readonly state: readonly string[];
  readonly params: readonly string[];
  readonly drift: readonly Expr[];
  readonly diffusion?: readonly Expr[];
}
