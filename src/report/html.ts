// One self-contained HTML report per model: the derived equations (rendered by
// KaTeX on the server, its CSS and fonts inlined), the spec and parameters, the
// phase, the figures as inline SVG and the theorem verdicts with their measured
// figures. Nothing in the page needs the network.

import type { Theorem, Verdict } from '../core/index.ts';
import { latexSystem, systemExpectations, expectationLatex } from '../symbolic/index.ts';
import type { FigureFile, PhaseReport, Theory, ParameterInfo, SpecValues } from '../models/index.ts';
import { checkWithin } from './html-checks.ts';
import { katexCss, renderLatex } from './html-katex.ts';

export { katexCss, renderLatex };

export interface ReportEquation {
  readonly label: string;
  readonly latex: string;
}

/** A theorem's outcome in the report: its verdict, or why it was not run. */
export interface ReportVerdict {
  readonly theorem: Pick<Theorem, 'id' | 'title' | 'source' | 'statement' | 'hypotheses'>;
  readonly verdict?: Verdict;
  readonly skipped?: string;
}

export interface ModelReport {
  readonly theory: Pick<Theory, 'id' | 'title' | 'source' | 'summary'>;
  /** The command line that made it (shown in the page). */
  readonly command?: string;
  readonly spec: Record<string, unknown>;
  readonly parameters: readonly ParameterInfo[];
  readonly equations: readonly ReportEquation[];
  readonly phase?: PhaseReport;
  readonly figures: readonly FigureFile[];
  readonly verdicts: readonly ReportVerdict[];
  /** Theorem-check settings (effort, seed, time budget in seconds). */
  readonly checks: { readonly effort: number; readonly seed: number; readonly budgetSeconds: number; readonly enabled: boolean };
  readonly seconds: number;
}

export interface ReportOptions {
  /** Scale of the theorem checks' random cases (passed to check as effort). */
  readonly effort?: number;
  readonly seed?: number;
  /**
   * Seconds for all the checks: a registered theorem's check runs in a worker that is
   * stopped when the budget is spent; no check starts after it.
   */
  readonly budgetSeconds?: number;
  /** Run the theory's theorems (default true). */
  readonly theorems?: boolean;
  readonly command?: string;
  readonly onProgress?: (line: string) => void;
  /** performance.now() when the caller's work began (e.g. before computing the figures); default: now. */
  readonly startedAt?: number;
  /** Figures, already computed by the caller (e.g. with a progress printer); computed here when absent. */
  readonly figures?: readonly FigureFile[];
}

export const DEFAULT_REPORT_EFFORT = 0.05;
export const DEFAULT_REPORT_BUDGET_SECONDS = 120;

/** Collects what the theory offers for this spec: equations, phase, figures, verdicts. */
export async function buildModelReport(theory: Theory, spec: unknown, values: SpecValues, opts: ReportOptions = {}): Promise<ModelReport> {
  const start = opts.startedAt ?? performance.now();
  const effort = opts.effort ?? DEFAULT_REPORT_EFFORT;
  const seed = opts.seed ?? 1;
  const budgetSeconds = opts.budgetSeconds ?? DEFAULT_REPORT_BUDGET_SECONDS;
  const enabled = opts.theorems ?? true;
  const equations: ReportEquation[] = [];
  if (theory.derive) {
    const d = theory.derive(spec);
    // aligned (no equation numbers): a long line scrolls sideways instead of running over its number
    equations.push({ label: d.odeLabel, latex: latexSystem(d.ode, { env: 'aligned' }) });
    const numeric = systemExpectations(d.ode);
    if (numeric.length) equations.push({ label: 'numeric expectations (not closed forms)', latex: expectationLatex(numeric).replace(/\\(begin|end)\{align\}/g, '\\$1{aligned}') });
    if (d.sde) equations.push({ label: d.sdeLabel ?? 'per-coordinate SDE', latex: latexSystem(d.sde, { env: 'aligned' }) });
  }
  const phase = theory.phase?.(spec);
  let figures: readonly FigureFile[] = opts.figures ?? [];
  if (!opts.figures && theory.figures) {
    opts.onProgress?.(`figures ${theory.id} ...\n`);
    figures = theory.figures(spec, {});
  }
  const verdicts: ReportVerdict[] = [];
  const checkStart = performance.now();
  for (const t of theory.theorems) {
    const theorem = { id: t.id, title: t.title, source: t.source, statement: t.statement, hypotheses: t.hypotheses };
    const spent = (performance.now() - checkStart) / 1000;
    if (!enabled) verdicts.push({ theorem, skipped: 'not run (time budget 0 s)' });
    else if (spent >= budgetSeconds) verdicts.push({ theorem, skipped: `not run: the checks had used ${spent.toFixed(1)} s of the ${budgetSeconds} s budget` });
    else {
      const r = await checkWithin(t, { seed, effort }, budgetSeconds - spent, opts.onProgress);
      verdicts.push('verdict' in r ? { theorem, verdict: r.verdict } : { theorem, skipped: r.stopped });
    }
  }
  let parameters: readonly ParameterInfo[] = [];
  try { parameters = theory.parameters(values); } catch { /* a theory whose parameter list needs other options: none shown */ }
  return {
    theory: { id: theory.id, title: theory.title, source: theory.source, summary: theory.summary },
    command: opts.command,
    spec: theory.describe?.(spec) ?? {},
    parameters,
    equations,
    phase,
    figures,
    verdicts,
    checks: { effort, seed, budgetSeconds, enabled },
    seconds: (performance.now() - start) / 1000,
  };
}

/** The report as text lines (what the CLI prints before writing the file). */
export function reportSummary(r: ModelReport): string[] {
  const lines = [`${r.theory.title} (${r.theory.id})`];
  if (r.phase) lines.push(`phase: ${r.phase.phase}`);
  lines.push(`equations: ${r.equations.length} system(s), ${r.verdicts.length} theorem statement(s)`);
  for (const f of r.figures) lines.push(`figure ${f.name}: ${f.caption}`);
  for (const v of r.verdicts) {
    if (v.verdict) {
      lines.push(`${v.verdict.passed ? 'PASS' : 'FAIL'} ${v.theorem.id} (${v.verdict.seconds.toFixed(1)} s, effort ${r.checks.effort}): ${v.verdict.summary}`);
    } else lines.push(`---- ${v.theorem.id}: ${v.skipped}`);
  }
  return lines;
}

/** JSON-ready record of the report (no SVG). */
export function reportDetails(r: ModelReport): Record<string, unknown> {
  return {
    theory: r.theory.id, spec: r.spec, phase: r.phase?.phase ?? null,
    figures: r.figures.map((f) => ({ name: f.name, caption: f.caption })),
    checks: r.checks,
    verdicts: r.verdicts.map((v) => (v.verdict
      ? { id: v.theorem.id, passed: v.verdict.passed, summary: v.verdict.summary, seconds: v.verdict.seconds, figures: v.verdict.figures }
      : { id: v.theorem.id, skipped: v.skipped })),
    seconds: r.seconds,
  };
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A measured number: 4 significant digits, exponent form outside [1e-3, 1e4). */
export function numberText(v: number): string {
  if (!Number.isFinite(v) || v === 0) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

function valueText(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * An SVG made safe to sit beside others in one page: its ids (clip paths) get a
 * prefix, so two figures' `url(#c0_28)` do not resolve to the same element; the XML
 * declaration (if any) is dropped; a script or event attribute is refused.
 */
export function inlineSvg(svg: string, prefix: string): string {
  if (/<script|\son[a-z]+\s*=|<foreignObject/i.test(svg)) throw new Error('a figure SVG carries script or foreign content');
  return svg
    .replace(/<\?xml[^>]*\?>\s*/, '')
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}${id})`)
    .replace(/<svg\b/, '<svg class="figure-svg" role="img"');
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const PAGE_CSS = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
.source{color:#555;font-style:italic}.equation{overflow-x:auto;padding:.3em 0}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
figure{margin:1em 0}figcaption{color:#444;font-size:.95em}.figure-svg{max-width:100%;height:auto}
.pass{color:#1a7f37;font-weight:bold}.fail{color:#c62828;font-weight:bold}.skip{color:#777}
.verdict{border:1px solid #ddd;border-radius:4px;padding:.6em 1em;margin:1em 0}code{background:#f4f4f4;padding:0 .2em}
.phase{font-size:1.2em}`;

/** The whole page as one HTML document. */
export function renderReportHtml(r: ModelReport): string {
  const e = escapeHtml;
  const sections: string[] = [];
  sections.push(`<h1>${e(r.theory.title)}</h1><p class="source">${e(r.theory.source)}</p><p>${e(r.theory.summary)}</p>`
    + (r.command ? `<p>Made by <code>${e(r.command)}</code> in ${r.seconds.toFixed(1)} s.</p>` : ''));
  const specRows = Object.entries(r.spec).map(([k, v]) => [e(k), e(valueText(v))]);
  sections.push(`<h2 id="parameters">Parameters</h2>${specRows.length ? table(['name', 'value'], specRows) : '<p>(no spec record)</p>'}`
    + (r.parameters.length ? `<p>Settable with <code>--set name=value</code>:</p>${table(['name', 'meaning', 'default'], r.parameters.map((p) => [`<code>${e(p.name)}</code>`, e(p.description), e(valueText(p.default))]))}` : ''));
  if (r.equations.length) {
    sections.push(`<h2 id="equations">Derived equations</h2>${r.equations.map((q) => `<p>${e(q.label)}:</p><div class="equation">${renderLatex(q.latex, true)}</div>`).join('')}`);
  }
  if (r.phase) {
    sections.push(`<h2 id="phase">Phase</h2><p class="phase">phase: <b>${e(r.phase.phase)}</b></p><pre>${e(r.phase.lines.join('\n'))}</pre>`);
  }
  if (r.figures.length) {
    sections.push(`<h2 id="figures">Figures</h2>${r.figures.map((f, i) => `<figure data-name="${e(f.name)}">${inlineSvg(f.svg, `f${i}-`)}<figcaption>${e(f.name)}: ${e(f.caption)}</figcaption></figure>`).join('')}`);
  }
  if (r.verdicts.length) {
    const checks = r.checks.enabled ? `Checks run with effort ${r.checks.effort}, seed ${r.checks.seed}, time budget ${r.checks.budgetSeconds} s (a check still running when it is spent is stopped)${r.checks.effort < 1 ? ". A smaller effort than <code>gandyn verify</code>'s default 1: fewer random cases, so wider error bars" : ''}.` : 'Theorem checks were not run.';
    sections.push(`<h2 id="theorems">Theorems</h2><p>${checks}</p>${r.verdicts.map((v) => {
      const head = v.verdict ? `<span class="${v.verdict.passed ? 'pass' : 'fail'}">${v.verdict.passed ? 'PASS' : 'FAIL'}</span>`
        : `<span class="skip">${v.skipped?.startsWith('stopped') ? 'stopped' : 'not run'}</span>`;
      const body = v.verdict
        ? `<p>${e(v.verdict.summary)} (${v.verdict.seconds.toFixed(2)} s)</p>${v.verdict.figures.length ? table(['measured', 'value', 'tolerance', 'note'], v.verdict.figures.map((f) => [e(f.name), e(numberText(f.value)), f.tolerance === undefined ? '' : e(numberText(f.tolerance)), e(f.note ?? '')])) : ''}`
        : `<p class="skip">${e(v.skipped ?? '')}</p>`;
      return `<div class="verdict" data-id="${e(v.theorem.id)}"><h3>${head} ${e(v.theorem.title)} <code>${e(v.theorem.id)}</code></h3><p class="source">${e(v.theorem.source)}</p><div class="equation">${renderLatex(v.theorem.statement, true)}</div>${v.theorem.hypotheses.length ? `<ul>${v.theorem.hypotheses.map((h) => `<li>${e(h)}</li>`).join('')}</ul>` : ''}${body}</div>`;
    }).join('')}`);
  }
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`
    + `<title>${e(r.theory.title)} — gan-dynamics report</title><style>${katexCss()}</style><style>${PAGE_CSS}</style></head>`
    + `<body>${sections.join('\n')}</body></html>\n`;
}
