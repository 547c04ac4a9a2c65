import type { Command } from 'commander';
import { parse, parseMatrix, checkSymbolName } from '../symbolic/index.ts';
import { print } from '../symbolic/index.ts';
import { latex } from '../symbolic/index.ts';
import { diff } from '../symbolic/index.ts';
import { simplify } from '../symbolic/index.ts';
import { gaussianExpectation } from '../symbolic/index.ts';
import { UsageError, parseInteger } from './errors.ts';
import type { Io } from './io.ts';

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

export function splitList(text: string, what: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new UsageError(`${what}: empty name in "${text}"`);
  for (const name of items) {
    try {
      checkSymbolName(name);
    } catch (err) {
      throw new UsageError(`${what}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (new Set(items).size !== items.length) throw new UsageError(`${what}: a name appears twice in "${text}"`);
  return items;
}

export function registerSymbolicCommands(program: Command, io: Io): void {
  program
    .command('diff')
    .description('derivative of an expression, simplified')
    .argument('<expr>', 'expression in the input grammar')
    .argument('<var>', 'variable to differentiate by')
    .option('--json', 'print {"expr", "latex"}')
    .action((exprText: string, variable: string, opts: { json?: boolean }) => {
      const [x] = splitList(variable, 'variable');
      const d = simplify(diff(parse(exprText), x));
      io.out(opts.json ? json({ expr: print(d), latex: latex(d) }) : `${print(d)}\n`);
    });

  program
    .command('expect')
    .description('expectation over jointly Gaussian variables (zero mean unless --mean)')
    .argument('<expr>', 'expression in the variables (and any other symbols)')
    .requiredOption('--vars <names>', 'comma-separated Gaussian variables, e.g. u,v')
    .requiredOption('--cov <matrix>', "covariance matrix, e.g. '[[q1,c],[c,q2]]'")
    .option('--mean <vector>', "mean vector, e.g. '[m1,m2]'")
    .option('--order <K>', 'Hermite-series order when no closed form exists', '20')
    .option('--json', 'print {"expr", "latex", "exact", "method"} and, when not exact, "exactValue" (the exact rational as text when it exceeds 2^53), "truncationOrder" (Hermite series), "quadratureOrder" (quadrature) and "errorEstimate" (both)')
    .action((exprText: string, opts: { vars: string; cov: string; mean?: string; order: string; json?: boolean }) => {
      const vars = splitList(opts.vars, '--vars');
      const cov = parseMatrix(opts.cov);
      if (cov.length !== vars.length || cov.some((r) => r.length !== vars.length)) {
        throw new UsageError(`--cov must be ${vars.length}×${vars.length} for --vars ${vars.join(',')}, got ${cov.length}×${cov[0].length}`);
      }
      let mean;
      if (opts.mean !== undefined) {
        const m = parseMatrix(opts.mean);
        if (m.length !== 1 || m[0].length !== vars.length) {
          throw new UsageError(`--mean must be a vector of ${vars.length} entries`);
        }
        mean = m[0];
      }
      const order = parseInteger(opts.order, '--order', 1, 200);
      const result = gaussianExpectation(parse(exprText), vars, cov, { mean, hermiteOrder: order });
      if (opts.json) {
        io.out(json({
          expr: print(result.expr), latex: latex(result.expr), exact: result.exact, method: result.method,
          ...(result.exactValue !== undefined ? { exactValue: result.exactValue } : {}),
          ...(result.truncationOrder !== undefined ? { truncationOrder: result.truncationOrder } : {}),
          ...(result.quadratureOrder !== undefined ? { quadratureOrder: result.quadratureOrder } : {}),
          ...(result.errorEstimate !== undefined ? { errorEstimate: result.errorEstimate } : {}),
        }));
      } else {
        const how = [
          result.truncationOrder !== undefined ? `truncated at order ${result.truncationOrder}` : '',
          result.quadratureOrder !== undefined ? `${result.quadratureOrder} nodes` : '',
          result.errorEstimate !== undefined ? `error ≤ ${result.errorEstimate.toExponential(1)}` : 'no error estimate',
        ].filter(Boolean).join(', ');
        if (result.exactValue !== undefined) {
          io.out(`${result.exactValue}\n`); // exact, beyond f64's exact integers
          return;
        }
        const note = result.exact ? '' : `   (${result.method}, ${how})`;
        io.out(`${print(result.expr)}${note}\n`);
      }
    });

  program
    .command('latex')
    .description('an expression as LaTeX')
    .argument('<expr>', 'expression in the input grammar (after "--" if it starts with "-")')
    .option('--json', 'print {"expr", "latex"}: the expression as parsed and printed back, and its LaTeX')
    .action((exprText: string, opts: { json?: boolean }) => {
      const e = parse(exprText);
      io.out(opts.json ? json({ expr: print(e), latex: latex(e) }) : `${latex(e)}\n`);
    });
}
