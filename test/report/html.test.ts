// gandyn report: one self-contained HTML page per model (KaTeX, inline SVG, verdicts),
// PNG figures with their text drawn, and the --out rules.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { type Theory, type FigureFile, SpecError, single, checkKnownNames, theories } from '../../src/models/index.ts';
import type { Theorem } from '../../src/core/index.ts';
import { parse } from '../../src/symbolic/index.ts';
import { plotPanels } from '../../src/core/index.ts';
import { inlineSvg, katexCss, renderLatex, svgToPng, svgToRgba, pngFont } from '../../src/report/index.ts';
import { checkWithin } from '../../src/report/html-checks.ts';

function capture() {
  const log: { stream: 'out' | 'err'; text: string }[] = [];
  return {
    log,
    io: { out: (s: string) => { log.push({ stream: 'out', text: s }); }, err: (s: string) => { log.push({ stream: 'err', text: s }); } },
    out: () => log.filter((l) => l.stream === 'out').map((l) => l.text).join(''),
    err: () => log.filter((l) => l.stream === 'err').map((l) => l.text).join(''),
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'gandyn-report-'));

/** The page without KaTeX's MathML annotations (which keep the TeX source for screen readers). */
const visible = (html: string) => html.replace(/<annotation[\s\S]*?<\/annotation>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');

const busy = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end) { /* a check that takes time */ } };

function theorem(id: string, ms: number, passed: boolean): Theorem {
  return {
    id, title: `theorem ${id}`, source: 'this test', statement: String.raw`\frac{d x}{d t} = -k x \Rightarrow x(t) = x_0 e^{-k t}`,
    hypotheses: ['k > 0'],
    check(opts = {}) {
      busy(ms);
      return { id, passed, figures: [{ name: 'effort seen', value: opts.effort ?? -1, tolerance: 1, note: 'from the report' }], summary: `effort ${opts.effort}`, seconds: ms / 1000 };
    },
  };
}

const figure: FigureFile = {
  name: 'decay.svg', caption: 'x(t) = e^{-kt}',
  svg: plotPanels([{ title: 'decay', xLabel: 't', yLabel: 'x', series: [{ label: 'ODE', x: [0, 1, 2], y: [1, 0.5, 0.25], color: '#1f77b4' }] }], { title: 'toy' }),
};

const toy: Theory<{ k: number }> = {
  id: 'toy-report',
  title: 'Toy report theory',
  source: 'this test',
  summary: 'dx/dt = −k x.',
  options: [],
  parameters: () => [{ name: 'k', description: 'rate', default: 1 }],
  makeSpec(values) {
    checkKnownNames(values.set, ['k'], '--set');
    const k = single(values.set, 'k', '--set') ?? 1;
    if (!(k > 0)) throw new SpecError(`--set k must be positive, got ${k}`);
    return { k };
  },
  describe: (s) => ({ k: s.k }),
  derive: (s) => ({ ode: { state: ['x'], params: ['k'], drift: [parse('-k*x/(1+x^2)')] }, odeLabel: 'the decay', params: { k: s.k }, initial: [1] }),
  phase: (s) => ({ phase: 'decay', details: { k: s.k }, lines: [`phase: decay (k = ${s.k})`] }),
  figures: () => [figure, { ...figure, name: 'again.svg' }],
  theorems: [theorem('toy-fast', 0, true), theorem('toy-slow', 300, true), theorem('toy-late', 0, true)],
};

describe('gandyn report', () => {
  it('writes one self-contained page: KaTeX equations, spec, phase, inline figures, verdicts; summary printed before the file exists', async () => {
    const dir = tmp();
    const out = join(dir, 'r.html');
    const c = capture();
    let existedAtSummary: boolean | undefined;
    const io = { out: (s: string) => { existedAtSummary ??= existsSync(out); c.io.out(s); }, err: c.io.err };
    const code = await main(['report', 'toy-report', '--set', 'k=2', '--effort', '0.25', '--budget', '0.2', '--out', out], io, { theories: [toy] });
    expect(c.err()).toContain(`report written to ${out}`);
    expect(code).toBe(0);
    expect(existedAtSummary).toBe(false);
    expect(c.out()).toMatch(/phase: decay/);
    // the slow check uses up the 0.2 s budget: the third is not started, and says why
    expect(c.out()).toMatch(/PASS toy-fast .*effort 0\.25/);
    expect(c.out()).toMatch(/PASS toy-slow/);
    expect(c.out()).toMatch(/---- toy-late: not run: the checks had used 0\.\d s of the 0\.2 s budget/);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http|url\(fonts\//); // nothing fetched, nothing run
    expect((html.match(/class="katex-display"/g) ?? []).length).toBe(1 + 3); // the ODE + three theorem statements
    expect(visible(html)).not.toContain('\\frac');
    expect(html).toContain('<annotation encoding="application/x-tex">');
    expect(html).toMatch(/<td>k<\/td><td>2<\/td>/);
    expect(html).toContain('phase: <b>decay</b>');
    expect((html.match(/<svg class="figure-svg"/g) ?? []).length).toBe(2);
    // the two copies of one figure do not share clip-path ids
    const ids = [...html.matchAll(/<clipPath id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain('effort seen');
    expect(html).toContain('<span class="pass">PASS</span>');
    expect(html).toContain('not run: the checks had used');
    expect(html).toMatch(/Made by <code>gandyn report toy-report --set k=2 --out \S+r\.html --effort 0\.25 --budget 0\.2<\/code>/);
  });

  it('--budget 0 runs no check; a failed check is shown and exits 1 with the page still written', async () => {
    const dir = tmp();
    const failing: Theory<{ k: number }> = { ...toy, id: 'toy-fail', theorems: [theorem('toy-bad', 0, false)] };
    const c1 = capture();
    expect(await main(['report', 'toy-report', '--budget', '0', '--out', join(dir, 'a.html')], c1.io, { theories: [toy] })).toBe(0);
    expect(c1.out()).toMatch(/---- toy-fast: not run \(time budget 0 s\)/);
    const c2 = capture();
    expect(await main(['report', 'toy-fail', '--out', join(dir, 'b.html')], c2.io, { theories: [failing] })).toBe(1);
    expect(c2.out()).toMatch(/FAIL toy-bad/);
    expect(readFileSync(join(dir, 'b.html'), 'utf8')).toContain('<span class="fail">FAIL</span>');
  });

  it('--json prints the summary as JSON', async () => {
    const dir = tmp();
    const c = capture();
    expect(await main(['report', 'toy-report', '--json', '--budget', '0', '--out', join(dir, 'r.html')], c.io, { theories: [toy] })).toBe(0);
    const j = JSON.parse(c.out());
    expect(j.theory).toBe('toy-report');
    expect(j.phase).toBe('decay');
    expect(j.figures.map((f: { name: string }) => f.name)).toEqual(['decay.svg', 'again.svg']);
    expect(j.verdicts[0]).toEqual({ id: 'toy-fast', skipped: 'not run (time budget 0 s)' });
  });

  it('refuses bad output paths and flags before any work, writing nothing', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'target.html'), 'x');
    symlinkSync(join(dir, 'target.html'), join(dir, 'link.html'));
    const cases: [string[], RegExp][] = [
      [['--out', join(dir, 'folder')], /--out .*the report is HTML/],
      [['--out', join(dir, 'folder.html', '..', 'folder')], /the report is HTML/],
      [['--out', join(dir, 'link.html')], /is a symbolic link/],
      [['--out', '/dev/null.html'], /refusing to write under \/dev/],
      [['--out', join(dir, 'x.html'), '--effort', '0'], /effort/],
      [['--out', join(dir, 'x.html'), '--budget', '-1'], /budget/],
      [['--out', join(dir, 'x.html'), '--set', 'k=-1'], /--set k must be positive/],
      [['--out', join(dir, 'x.html'), '--set', '__proto__=1'], /__proto__/],
    ];
    for (const [args, message] of cases) {
      const c = capture();
      const code = await main(['report', 'toy-report', ...args], c.io, { theories: [toy] });
      expect([code, c.err()]).toEqual([2, expect.stringMatching(message)]);
      expect(c.err().trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(dir, 'x.html'))).toBe(false);
    expect(readFileSync(join(dir, 'target.html'), 'utf8')).toBe('x');
    const c = capture();
    expect(await main(['report', 'no-such-theory', '--out', join(dir, 'x.html')], c.io, { theories: [toy] })).toBe(2);
  });

  it('--png writes each figure as a PNG beside the page, refusing a PNG path that is a folder before any work', async () => {
    const dir = tmp();
    const c = capture();
    expect(await main(['report', 'toy-report', '--png', '--budget', '0', '--out', join(dir, 'r.html')], c.io, { theories: [toy] })).toBe(0);
    for (const f of ['r-decay.png', 'r-again.png']) {
      const png = readFileSync(join(dir, f));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
    expect(c.out()).toMatch(/PNG text font: /);
    mkdirSync(join(dir, 's-decay.png'));
    const c2 = capture();
    expect(await main(['report', 'toy-report', '--png', '--out', join(dir, 's.html')], c2.io, { theories: [toy] })).toBe(2);
    expect(c2.err()).toMatch(/--png .*s-decay\.png: is a folder/);
    expect(existsSync(join(dir, 's.html'))).toBe(false);
  });

  it('every registered theory has a report command', async () => {
    const c = capture();
    expect(await main(['report', '--help'], c.io)).toBe(0);
    for (const t of theories) expect(c.out()).toContain(t.id);
  });
});

describe('report pieces', () => {
  it('KaTeX CSS carries its fonts as data URLs', () => {
    const css = katexCss();
    expect(css).not.toMatch(/url\(fonts\//);
    expect((css.match(/data:font\/woff2;base64,/g) ?? []).length).toBeGreaterThanOrEqual(15);
  });

  it('renderLatex refuses TeX KaTeX cannot parse instead of printing it raw', () => {
    expect(renderLatex(String.raw`\frac{1}{2}`, false)).toContain('class="katex"');
    expect(() => renderLatex(String.raw`\frac{1}{`, true)).toThrow();
  });

  it('inlineSvg prefixes ids and their references, and refuses scripts', () => {
    const s = inlineSvg('<svg xmlns="http://www.w3.org/2000/svg"><clipPath id="c0_0"><rect/></clipPath><g clip-path="url(#c0_0)"/></svg>', 'f1-');
    expect(s).toContain('id="f1-c0_0"');
    expect(s).toContain('url(#f1-c0_0)');
    expect(() => inlineSvg('<svg><script>alert(1)</script></svg>', 'f')).toThrow(/script/);
    expect(() => inlineSvg('<svg><rect onload="x()"/></svg>', 'f')).toThrow(/script/);
  });

  it('PNG text is drawn (a font is found and used): a label alone leaves dark pixels', () => {
    expect(pngFont()).not.toBeNull();
    const dark = (svg: string) => {
      const { pixels } = svgToRgba(svg);
      let n = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) n++;
      return n;
    };
    const text = (t: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" font-family="sans-serif"><text x="10" y="28" font-size="20">${t}</text></svg>`;
    expect(dark(text(''))).toBe(0);
    expect(dark(text('η_G → ∞, x₁'))).toBeGreaterThan(100);
    expect(svgToPng(text('a')).length).toBeGreaterThan(100);
  });
});

describe('theorem checks held to the budget', () => {
  const registered = (id: string) => theories.flatMap((t) => t.theorems).find((t) => t.id === id)!;

  it('a registered theorem runs in a worker: the same verdict as in this thread', async () => {
    const t = registered('quadratic-critic-expectation');
    const here = await t.check({ seed: 3, effort: 0.05 });
    const r = await checkWithin(t, { seed: 3, effort: 0.05 }, 120);
    expect('verdict' in r && r.verdict.passed).toBe(here.passed);
    expect('verdict' in r && r.verdict.figures).toEqual(here.figures);
  });

  it('a check still running when the budget is spent is stopped there', async () => {
    const t = registered('solvable-gan-phases'); // minutes at any effort
    const start = performance.now();
    const r = await checkWithin(t, { seed: 1, effort: 0.05 }, 1.5);
    const seconds = (performance.now() - start) / 1000;
    expect(r).toEqual({ stopped: 'stopped after 1.5 s: the rest of the report\'s time budget' });
    expect(seconds).toBeLessThan(5);
  });
});
