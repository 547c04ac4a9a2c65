// gandyn report <theory> [flags] --out report.html [--png]
// One self-contained HTML page per model: equations (KaTeX), parameters, phase,
// figures and theorem verdicts. The summary is printed first, the files written
// after; every output path is checked before any work starts.

import { dirname, basename, extname, join } from 'node:path';
import { Command } from 'commander';
import { type Theory, capabilities, optionsFor, parseOption, specValuesFromFlags, type SpecValues, type AnyVerb } from '../models/index.ts';
import {
  buildModelReport, checkOutputPath, checkPngFonts, renderReportHtml, reportDetails, reportSummary, svgToPng, pngFontReport,
  writeFileAtomic, DEFAULT_REPORT_BUDGET_SECONDS, DEFAULT_REPORT_EFFORT,
} from '../report/index.ts';
import { UsageError } from './errors.ts';
import { progressPrinter, type Io } from './io.ts';
import { addTheoryFlags, specOf, MAX_SIMULATE_WORK, type CommonFlags } from './theory-commands.ts';

interface ReportFlags extends CommonFlags {
  png?: boolean; effort: string; seed?: string; checkSeed: string; budget: string;
}

/** The verb whose flags the report takes: the figures' when the theory draws any. */
export function reportVerb(theory: Theory): AnyVerb {
  const caps = capabilities(theory);
  return caps.includes('figures') ? 'figures' : caps.includes('phase') ? 'phase' : caps[0] ?? 'derive';
}

/** PNG file of a figure: report.html + overlaps.svg → report-overlaps.png beside it. */
export function pngPath(htmlPath: string, figureName: string): string {
  const stem = basename(htmlPath, extname(htmlPath));
  return join(dirname(htmlPath), `${stem}-${basename(figureName, extname(figureName))}.png`);
}

function optionValues(theory: Theory, verb: AnyVerb, cmd: Command, flags: ReportFlags): SpecValues {
  const texts = new Map<string, string>();
  if (flags.spec === undefined) {
    for (const f of optionsFor(theory, verb)) {
      const v = cmd.getOptionValue(new Command().createOption(`--${f.name} <v>`).attributeName());
      if (typeof v === 'string') texts.set(f.name, v);
    }
  } else {
    for (const f of optionsFor(theory, verb)) if (f.default !== undefined) texts.set(f.name, f.default);
  }
  return specValuesFromFlags(theory, verb, texts, undefined, undefined);
}

/**
 * The figures' work estimate: the theory's simulation cost (the figures of most theories
 * run a simulation). A theory whose simulateCost applies only to its simulate spec
 * (it throws on this one) has figures that are not a simulation: 0.
 */
function figuresCost(theory: Theory, spec: unknown): number {
  try {
    return theory.simulateCost?.(spec) ?? 0;
  } catch {
    return 0;
  }
}

/** The command as typed (the flags given on the command line, in commander's order). */
function commandLine(theory: Theory, cmd: Command): string {
  const parts = ['gandyn', 'report', theory.id];
  for (const o of cmd.options) {
    const key = o.attributeName();
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    const v = cmd.getOptionValue(key);
    parts.push(o.long ?? '');
    if (typeof v === 'string') parts.push(/^[\w.,=:/+-]+$/.test(v) ? v : JSON.stringify(v));
  }
  return parts.join(' ');
}

export function registerReportCommand(program: Command, io: Io, theories: readonly Theory[]): void {
  const parent = program.command('report')
    .description(`one self-contained HTML page of a model: equations, parameters, phase, figures, theorem verdicts (theories: ${theories.map((t) => t.id).join(', ')})`);
  for (const theory of theories) {
    const verb = reportVerb(theory);
    const cmd = parent.command(theory.id).description(`${theory.title} — HTML report`);
    addTheoryFlags(cmd, theory, verb);
    if (!theory.options.some((o) => o.name === 'out')) cmd.option('--out <file>', 'the HTML file (regular files only, written atomically)', `out/report-${theory.id}.html`);
    cmd.option('--png', 'also write each figure as PNG beside the HTML file (<name>-<figure>.png)')
      .option('--json', 'print the summary as JSON')
      .option('--effort <x>', 'scale of the theorem checks\' random cases, in (0, 100]', String(DEFAULT_REPORT_EFFORT))
      .option('--check-seed <n>', 'seed of the theorem checks', '1')
      .option('--budget <seconds>', 'seconds for all theorem checks: a check still running then is stopped and marked so (0: run none)', String(DEFAULT_REPORT_BUDGET_SECONDS));
    cmd.action(async (flags: ReportFlags, self: Command) => {
      const out = flags.out!;
      if (extname(out).toLowerCase() !== '.html' && extname(out).toLowerCase() !== '.htm') throw new UsageError(`--out ${out}: the report is HTML: give a file name ending in .html`);
      checkOutputPath(out, '--out');
      const effort = parseOption({ name: 'effort', kind: 'number', min: 0, exclusiveMin: true, max: 100, description: '' }, flags.effort) as number;
      const seed = parseOption({ name: 'check-seed', kind: 'integer', min: 0, description: '' }, flags.checkSeed) as number;
      const budget = parseOption({ name: 'budget', kind: 'number', min: 0, max: 86_400, description: '' }, flags.budget) as number;
      if (flags.png) checkPngFonts(); // a machine without a font: refused before any work
      const spec = specOf(theory, verb, self, flags);
      const values = optionValues(theory, verb, self, flags);
      const cost = theory.figures ? figuresCost(theory, spec) : 0;
      if (cost > MAX_SIMULATE_WORK) throw new UsageError(`this report's figures are estimated at ${cost.toExponential(1)} operations, above the limit ${MAX_SIMULATE_WORK.toExponential(0)} (lower the size or the time)`);
      const started = performance.now();
      const figures = theory.figures?.(spec, { onProgress: cost >= 2e8 ? progressPrinter(io, `figures ${theory.id}`) : undefined });
      const pngs = flags.png ? (figures ?? []).map((f) => pngPath(out, f.name)) : [];
      for (const p of pngs) checkOutputPath(p, '--png');
      const report = await buildModelReport(theory, spec, values, {
        effort, seed, budgetSeconds: budget, theorems: budget > 0, figures: figures ?? [], startedAt: started,
        command: commandLine(theory, self),
        onProgress: flags.json ? undefined : (line) => io.err(line),
      });
      const html = renderReportHtml(report);
      const images = flags.png ? (figures ?? []).map((f, i) => ({ path: pngs[i], data: svgToPng(f.svg) })) : [];
      if (flags.json) {
        io.out(`${JSON.stringify({ ...reportDetails(report), out, png: pngs, ...(flags.png ? { pngFont: pngFontReport() } : {}) })}\n`);
      } else {
        io.out(`${reportSummary(report).join('\n')}\n`);
        if (flags.png) io.out(`PNG text font: ${pngFontReport()}\n`);
      }
      writeFileAtomic(out, html);
      for (const img of images) writeFileAtomic(img.path, img.data);
      if (!flags.json) io.err(`report written to ${out}${images.length ? ` (and ${images.map((i) => i.path).join(', ')})` : ''}\n`);
      if (report.verdicts.some((v) => v.verdict && !v.verdict.passed)) process.exitCode = 1;
    });
  }
}
