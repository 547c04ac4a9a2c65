import type { CheckOptions, Theorem, Verdict } from '../core/index.ts';

/** Runs theorem checks one after another; a check that throws counts as failed. */
export async function runTheorems(
  list: readonly Theorem[], opts: CheckOptions, progress?: (line: string) => void,
): Promise<Verdict[]> {
  const out: Verdict[] = [];
  for (const t of list) {
    progress?.(`checking ${t.id} ...\n`);
    const start = performance.now();
    try {
      out.push(await t.check(opts));
    } catch (err) {
      out.push({
        id: t.id, passed: false, figures: [], seconds: (performance.now() - start) / 1000,
        summary: `check threw: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  return out;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function formatFigure(f: Verdict['figures'][number]): string {
  const v = Math.abs(f.value) >= 1e-3 && Math.abs(f.value) < 1e4 ? f.value.toPrecision(4) : f.value.toExponential(2);
  const tol = f.tolerance === undefined ? '' : ` (tol ${Math.abs(f.tolerance) >= 1e-3 && Math.abs(f.tolerance) < 1e4 ? f.tolerance.toPrecision(3) : f.tolerance.toExponential(1)})`;
  return `${f.name} = ${v}${tol}`;
}

/** A plain-text table: id, verdict, time, and each measured figure. */
export function formatVerdictTable(list: readonly Theorem[], verdicts: readonly Verdict[]): string {
  const w = Math.max(2, ...verdicts.map((v) => v.id.length));
  const lines = [`${pad('id', w)}  verdict  seconds  summary`];
  verdicts.forEach((v, i) => {
    lines.push(`${pad(v.id, w)}  ${pad(v.passed ? 'PASS' : 'FAIL', 7)}  ${pad(v.seconds.toFixed(2), 7)}  ${list[i]?.title ?? ''}: ${v.summary}`);
    for (const f of v.figures) lines.push(`${' '.repeat(w + 20)}${formatFigure(f)}${f.note ? ` — ${f.note}` : ''}`);
  });
  const passed = verdicts.filter((v) => v.passed).length;
  lines.push(`${passed} of ${verdicts.length} theorem checks passed`);
  return lines.join('\n');
}
