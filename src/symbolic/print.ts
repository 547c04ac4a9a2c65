// Prints an Expr in the input grammar, so that parse(print(e)) gives e back.

import { type Expr, type Num, isExact, numValue, numParts } from './expr.ts';

const PREC = { add: 1, mul: 2, neg: 3, pow: 4, atom: 5 } as const;

/** The digits of an exact Num, "p" or "p/q", all of them also for the big form; a float as a float. */
export function formatNumber(n: Num): string {
  if (n.big) {
    const p = `${n.p < 0 ? '-' : ''}${n.big.num}`;
    return n.big.den === 1n ? p : `${p}/${n.big.den}`;
  }
  if (isExact(n)) return n.q === 1 ? String(n.p) : `${n.p}/${n.q}`;
  return floatString(numValue(n));
}

/** Whether n is an exact rational that is not an integer (it prints as p/q). */
export function isFraction(n: Num): boolean {
  return n.big ? n.big.den !== 1n : isExact(n) && n.q !== 1;
}

function floatString(x: number): string {
  const s = String(x);
  return s.includes('e') || s.includes('.') ? s : `${s}.0`;
}

/**
 * A term's sign and magnitude (a negative number, or a product led by one),
 * so a sum prints `a - b` rather than `a + -1*b`. Shared by the printers.
 */
export function splitSign(e: Expr): { negative: boolean; magnitude: Expr } {
  if (e.kind === 'num' && e.p < 0) return { negative: true, magnitude: { ...e, p: -e.p } };
  if (e.kind === 'mul' && e.factors.length > 1 && e.factors[0].kind === 'num' && e.factors[0].p < 0) {
    const c = e.factors[0];
    const rest = e.factors.slice(1);
    const mag: Expr[] = c.p === -1 && c.q === 1 ? rest : [{ ...c, p: -c.p }, ...rest];
    return { negative: true, magnitude: mag.length === 1 ? mag[0] : { kind: 'mul', factors: mag } };
  }
  return { negative: false, magnitude: e };
}

/** A power with a negative numeric exponent, printed in a denominator. */
export function isReciprocal(e: Expr): boolean {
  return e.kind === 'pow' && e.exp.kind === 'num' && e.exp.p < 0;
}

/** The denominator factor of a reciprocal: x^(-k) → x^k (x for k = 1). */
export function reciprocalOf(e: Expr): Expr {
  const p = e as Extract<Expr, { kind: 'pow' }>;
  const k = p.exp as Num;
  return k.p === -1 && k.q === 1 ? p.base : { kind: 'pow', base: p.base, exp: { ...k, p: -k.p } };
}

function render(e: Expr): { s: string; prec: number } {
  switch (e.kind) {
    case 'num': {
      const s = formatNumber(e);
      if (e.p < 0) return { s, prec: PREC.neg };
      return { s, prec: isFraction(e) ? PREC.mul : PREC.atom };
    }
    case 'sym': return { s: e.name, prec: PREC.atom };
    case 'const': return { s: e.name, prec: PREC.atom };
    case 'call': return { s: `${e.fn}(${e.args.map((a) => render(a).s).join(',')})`, prec: PREC.atom };
    case 'add': {
      let s = '';
      e.terms.forEach((t, i) => {
        const { negative, magnitude } = splitSign(t);
        const r = render(magnitude);
        const body = r.prec <= PREC.add ? `(${r.s})` : r.s;
        if (i === 0) s = negative ? `-${body}` : body;
        else s += negative ? `-${body}` : `+${body}`;
      });
      return { s, prec: PREC.add };
    }
    case 'mul': {
      const { negative, magnitude } = splitSign(e);
      if (negative) {
        const r = render(magnitude);
        return { s: `-${r.prec <= PREC.add ? `(${r.s})` : r.s}`, prec: PREC.neg };
      }
      const factors = magnitude.kind === 'mul' ? magnitude.factors : [magnitude];
      const firstRecip = factors.findIndex(isReciprocal);
      if (firstRecip >= 0 && factors.slice(firstRecip).some((f) => !isReciprocal(f))) {
        // A reciprocal before another factor: print in order (1/y*x), since '/' and '*'
        // associate left this parses back to the same factor order.
        let out = '';
        factors.forEach((f, i) => {
          const recip = isReciprocal(f);
          const r = render(recip ? reciprocalOf(f) : f);
          const body = r.prec <= PREC.mul ? `(${r.s})` : r.s;
          out += i === 0 ? (recip ? `1/${body}` : body) : `${recip ? '/' : '*'}${body}`;
        });
        return { s: out, prec: PREC.mul };
      }
      const numer: Expr[] = factors.filter((f) => !isReciprocal(f));
      const denom: Expr[] = factors.filter(isReciprocal).map(reciprocalOf);
      const c = numer[0];
      if (c && c.kind === 'num' && isFraction(c) && (numer.length > 1 || denom.length > 0)) {
        const { numer: top, denom: bottom } = numParts(c);
        numer.shift();
        if (!(top.p === 1 && top.q === 1)) numer.unshift(top);
        denom.unshift(bottom);
      }
      const side = (fs: readonly Expr[], isDenominator: boolean) => {
        if (fs.length === 0) return '1';
        const parts = fs.map((f) => {
          const r = render(f);
          return r.prec <= PREC.mul ? `(${r.s})` : r.s;
        });
        const joined = parts.join('*');
        return isDenominator && fs.length > 1 ? `(${joined})` : joined;
      };
      if (denom.length === 0) return { s: side(numer, false), prec: PREC.mul };
      return { s: `${side(numer, false)}/${side(denom, true)}`, prec: PREC.mul };
    }
    case 'pow': {
      // A lone reciprocal prints as a quotient: 1/x, 1/(1+x)^2.
      if (isReciprocal(e)) return render({ kind: 'mul', factors: [e] });
      const b = render(e.base), x = render(e.exp);
      const base = b.prec <= PREC.pow ? `(${b.s})` : b.s;
      const exp = x.prec < PREC.pow || e.exp.kind === 'num' && (e.exp.p < 0 || isFraction(e.exp)) ? `(${x.s})` : x.s;
      return { s: `${base}^${exp}`, prec: PREC.pow };
    }
  }
}

/** The expression as a string in the input grammar. */
export function print(e: Expr): string {
  return render(e).s;
}
