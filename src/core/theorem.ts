// What a theorem check is and what it returns. One file per theorem lives in proofs/.

export interface Figure {
  /** What was measured, e.g. "max |E_exact - E_MC| / SE". */
  readonly name: string;
  readonly value: number;
  /** The bound it is held to, with the reason in `name` or `note`. */
  readonly tolerance?: number;
  readonly note?: string;
}

export interface Verdict {
  readonly id: string;
  readonly passed: boolean;
  readonly figures: readonly Figure[];
  /** One line that says what was checked and how it went. */
  readonly summary: string;
  readonly seconds: number;
}

export interface CheckOptions {
  readonly seed?: number;
  /** Scale the number of random cases / samples (1 = default). */
  readonly effort?: number;
}

export interface Theorem {
  readonly id: string;
  readonly title: string;
  /** Where it comes from (paper, section, or textbook). */
  readonly source: string;
  /** The statement, as LaTeX (KaTeX-renderable). */
  readonly statement: string;
  readonly hypotheses: readonly string[];
  check(opts?: CheckOptions): Verdict | Promise<Verdict>;
}
