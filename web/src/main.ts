// The live page: NTK-GAN particles on eight Gaussians (the pairwise kernel compiled by
// the compile layer onto gpu.js's WebGL backend, or the f64 twin), the solvable GAN's
// predicted phase and overlaps, and the effective-GAN particles (the theory's code, f64); sliders, the backend that ran and the frame
// time shown, the equations derived in the page and rendered by KaTeX.
//
// URL parameters (for links and tests): model=ntk|solvable|effective, N, seed, kernel=rbf|imq,
// backend=auto|gpu|f64, paused=1. window.__gandyn exposes the state to tests.

import katex from 'katex';
import { IpmFlow, KERNELS, DEFAULT_FLOW, type FlowConfig, type KernelName } from './ipm-flow.ts';
import { DEFAULT_EFFECTIVE, EffectiveFlow, effectiveLatex } from './effective.ts';
import {
  DEFAULT_SOLVABLE, MAP_ETAS, MAP_TAUS, PHASE_COLORS, type SolvableControls, overlapCurves, phaseMap, predictedPhase, solvableLatex,
} from './solvable.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const query = new URLSearchParams(location.search);

function tex(target: HTMLElement, source: string, display = true): void {
  katex.render(source, target, { displayMode: display, throwOnError: true });
}

function slider(id: string, label: string, min: number, max: number, step: number, value: number, fmt: (v: number) => string = (v) => String(v)): string {
  return `<label for="${id}"><span>${label} <output id="${id}-out">${fmt(value)}</output></span>`
    + `<input type="range" id="${id}" min="${min}" max="${max}" step="${step}" value="${value}"></label>`;
}

// ---------------- NTK-GAN particles ----------------

const LR_STEPS = [64, 128, 256, 512, 1024, 2048, 4096, 8192];

interface NtkUi {
  flow: IpmFlow;
  running: boolean;
  frameMs: number;
  lastFrame: number;
}

let ntk: NtkUi | undefined;

function ntkConfig(): FlowConfig {
  const N = Number(($('n-select') as HTMLSelectElement).value);
  const seed = Number(($('seed') as HTMLInputElement).value) || 1;
  const kernel = ($('kernel') as HTMLSelectElement).value as KernelName;
  const backend = ($('backend') as HTMLSelectElement).value as FlowConfig['backend'];
  return {
    particles: N, targets: N, seed, kernel, backend,
    bandwidth: Number(($('bandwidth') as HTMLInputElement).value),
    lrG: LR_STEPS[Number(($('lr') as HTMLInputElement).value)],
    discTime: Number(($('disc-time') as HTMLInputElement).value),
  };
}

function renderNtkPanel(app: HTMLElement): void {
  const N = Number(query.get('N') ?? DEFAULT_FLOW.particles);
  const sizes = [256, 512, 1024, 2048, 4096];
  if (!sizes.includes(N)) sizes.push(N), sizes.sort((a, b) => a - b);
  app.innerHTML = `
  <section class="panel controls" id="ntk-controls">
    <div class="row"><button id="play">${query.get('paused') === '1' ? 'play' : 'pause'}</button><button id="step">step</button><button id="reset">reset</button></div>
    ${slider('lr', 'generator learning rate η<sub>G</sub>', 0, LR_STEPS.length - 1, 1, LR_STEPS.indexOf(1024), (i) => String(LR_STEPS[i]))}
    ${slider('disc-time', 'discriminator training time t', 0.1, 4, 0.1, DEFAULT_FLOW.discTime)}
    ${slider('bandwidth', 'kernel bandwidth s', 0.25, 4, 0.05, DEFAULT_FLOW.bandwidth)}
    <label>kernel <select id="kernel">${Object.entries(KERNELS).map(([k, v]) => `<option value="${k}"${k === (query.get('kernel') ?? 'rbf') ? ' selected' : ''}>${v.label}</option>`).join('')}</select></label>
    <label>particles N = targets M <select id="n-select">${sizes.map((s) => `<option${s === N ? ' selected' : ''}>${s}</option>`).join('')}</select></label>
    <label>backend <select id="backend">${['auto', 'gpu', 'f64'].map((b) => `<option${b === (query.get('backend') ?? 'auto') ? ' selected' : ''}>${b}</option>`).join('')}</select></label>
    <label>seed <input id="seed" type="number" min="0" value="${Number(query.get('seed') ?? 1)}"></label>
    <div id="ntk-status" class="status"></div>
    <div class="eq" id="eq-flow"></div><div class="eq" id="eq-kernel"></div><div class="eq" id="eq-dk"></div>
  </section>
  <section class="panel">
    <canvas id="particles" width="620" height="620"></canvas>
    <div class="legend"><span style="background:#9a9a9a"></span>targets<span style="background:#1f77b4"></span>generated</div>
  </section>`;
  for (const id of ['lr', 'disc-time', 'bandwidth']) {
    $(id).addEventListener('input', () => {
      const v = Number(($(id) as HTMLInputElement).value);
      $(`${id}-out`).textContent = id === 'lr' ? String(LR_STEPS[v]) : String(v);
      if (!ntk) return;
      const c = ntkConfig();
      ntk.flow.setBandwidth(c.bandwidth);
      ntk.flow.setRates(c.lrG, c.discTime);
      drawNtk();
    });
  }
  for (const id of ['kernel', 'n-select', 'backend', 'seed']) $(id).addEventListener('change', () => resetNtk());
  $('reset').addEventListener('click', () => resetNtk());
  $('play').addEventListener('click', () => {
    if (!ntk) return;
    ntk.running = !ntk.running;
    $('play').textContent = ntk.running ? 'pause' : 'play';
    if (ntk.running) requestAnimationFrame(ntkFrame);
  });
  $('step').addEventListener('click', () => { if (ntk) { timedAdvance(1); drawNtk(); } });
  tex($('eq-flow'), String.raw`\begin{aligned} x_i &\leftarrow x_i + \tfrac{\eta_G}{N}\nabla f_t(x_i), \\ f_t &= t\Big(\tfrac1M\textstyle\sum_j k(\cdot,y_j) - \tfrac1N\sum_l k(\cdot,x_l)\Big) \end{aligned}`);
  resetNtk(query.get('paused') !== '1');
}

function resetNtk(run = ntk?.running ?? true): void {
  ntk?.flow.dispose();
  const flow = new IpmFlow(ntkConfig());
  ntk = { flow, running: run, frameMs: NaN, lastFrame: 0 };
  $('play').textContent = run ? 'pause' : 'play';
  const sqd = String.raw`\lVert x-y\rVert^2`;
  tex($('eq-kernel'), String.raw`k(x,y) = ${flow.derived.latex.k.replace(/\\mathrm\{sqdist\}|sqdist/g, sqd)}`);
  tex($('eq-dk'), String.raw`\frac{\partial k}{\partial ${sqd}} = ${flow.derived.latex.dk.replace(/\\mathrm\{sqdist\}|sqdist/g, sqd)}\quad\text{(derived in this page)}`);
  drawNtk();
  if (run) requestAnimationFrame(ntkFrame);
}

function timedAdvance(steps: number): void {
  const ui = ntk!;
  const t0 = performance.now();
  ui.flow.advance(steps);
  const ms = (performance.now() - t0) / steps;
  ui.frameMs = Number.isNaN(ui.frameMs) ? ms : 0.8 * ui.frameMs + 0.2 * ms;
}

function ntkFrame(): void {
  if (!ntk?.running || currentModel !== 'ntk') return;
  try {
    timedAdvance(1);
    drawNtk();
  } catch (err) {
    ntk.running = false;
    showError(err);
    return;
  }
  requestAnimationFrame(ntkFrame);
}

function drawNtk(): void {
  if (!ntk) return;
  const { flow } = ntk;
  const canvas = $('particles') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d')!;
  const W = canvas.width, H = canvas.height, R = 8;
  const sx = (v: number) => W / 2 + (v / R) * (W / 2), sy = (v: number) => H / 2 - (v / R) * (H / 2);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const dots = (a: Float64Array, color: string, r: number) => {
    ctx.fillStyle = color;
    for (let i = 0; i < a.length; i += 2) { ctx.beginPath(); ctx.arc(sx(a[i]), sy(a[i + 1]), r, 0, 2 * Math.PI); ctx.fill(); }
  };
  ctx.globalAlpha = 0.6; dots(flow.y, '#9a9a9a', 1.8);
  ctx.globalAlpha = 0.8; dots(flow.x, '#1f77b4', 2);
  ctx.globalAlpha = 1;
  const c = flow.config;
  $('ntk-status').textContent = `backend: ${flow.backend} (${flow.precision}; asked ${flow.requested}${flow.requested === 'f64' && c.backend === 'auto' ? (flow.fallback ? `: WebGL failed, ${flow.fallback}` : ': no WebGL here') : ''})\n`
    + `step ${flow.step}, N = ${c.particles}, M = ${c.targets}\n`
    + `frame time: ${Number.isNaN(ntk.frameMs) ? '–' : `${ntk.frameMs.toFixed(1)} ms per step`}`;
  $('backend-line').textContent = `backend ${flow.backend} · ${Number.isNaN(ntk.frameMs) ? '–' : `${ntk.frameMs.toFixed(1)} ms/step`}`;
}

// ---------------- solvable GAN ----------------

const MAP_N = { eta: 36, tau: 26 };
let solvableMap: { ratio: number; cells: ReturnType<typeof phaseMap> } | undefined;

function solvableControls(): SolvableControls {
  return {
    tau: Number(($('tau') as HTMLInputElement).value),
    ratio: Number(($('ratio') as HTMLInputElement).value),
    eta: Number(($('eta') as HTMLInputElement).value),
  };
}

function renderSolvablePanel(app: HTMLElement): void {
  const d = DEFAULT_SOLVABLE;
  app.innerHTML = `
  <section class="panel controls">
    ${slider('tau', 'discriminator learning rate τ', MAP_TAUS.lo, MAP_TAUS.hi, 0.005, d.tau)}
    ${slider('ratio', 'learning-rate ratio τ̃/τ', 0.05, 2, 0.05, d.ratio)}
    ${slider('eta', 'noise η = η<sub>T</sub> = η<sub>G</sub>', MAP_ETAS.lo, MAP_ETAS.hi, 0.05, d.eta)}
    <div id="solvable-status" class="status"></div>
    <p>Macroscopic ODE (d = 1), derived symbolically in this page:</p><div class="eq" id="eq-ode"></div>
  </section>
  <section class="panel"><canvas id="phase-map" width="460" height="360"></canvas>
    <div class="legend">${Object.entries(PHASE_COLORS).map(([p, c]) => `<span style="background:${c};border-radius:0"></span>${p}`).join('')}</div></section>
  <section class="panel"><canvas id="overlaps" width="460" height="360"></canvas>
    <div class="legend"><span style="background:#1f77b4"></span>P (feature overlap)<span style="background:#d62728"></span>q (real-feature overlap)</div></section>`;
  tex($('eq-ode'), solvableLatex());
  for (const id of ['tau', 'ratio', 'eta']) {
    $(id).addEventListener('input', () => {
      $(`${id}-out`).textContent = ($(id) as HTMLInputElement).value;
      updateSolvable();
    });
  }
  updateSolvable();
}

function axes(ctx: CanvasRenderingContext2D, W: number, H: number, m: { l: number; b: number }, xl: string, yl: string): void {
  ctx.strokeStyle = '#444';
  ctx.strokeRect(m.l, 8, W - m.l - 8, H - m.b - 8);
  ctx.fillStyle = '#222';
  ctx.font = '12px sans-serif';
  ctx.fillText(xl, W / 2, H - 6);
  ctx.save(); ctx.translate(12, H / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(yl, 0, 0); ctx.restore();
}

function updateSolvable(): void {
  const c = solvableControls();
  const t0 = performance.now();
  if (!solvableMap || solvableMap.ratio !== c.ratio) solvableMap = { ratio: c.ratio, cells: phaseMap(c.ratio, MAP_N.eta, MAP_N.tau) };
  const { phase, kappa } = predictedPhase(c);
  const curves = overlapCurves(c);
  const ms = performance.now() - t0;
  // phase map with the current point
  const map = $('phase-map') as HTMLCanvasElement;
  const ctx = map.getContext('2d')!;
  const W = map.width, H = map.height, m = { l: 40, b: 30 };
  const pw = W - m.l - 8, ph = H - m.b - 8;
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
  solvableMap.cells.forEach((row, it) => row.forEach((p, ie) => {
    ctx.fillStyle = PHASE_COLORS[p];
    ctx.fillRect(m.l + (ie * pw) / MAP_N.eta, 8 + ph - ((it + 1) * ph) / MAP_N.tau, pw / MAP_N.eta + 0.5, ph / MAP_N.tau + 0.5);
  }));
  axes(ctx, W, H, m, `noise η (${MAP_ETAS.lo}…${MAP_ETAS.hi})`, `τ (${MAP_TAUS.lo}…${MAP_TAUS.hi})`);
  const px = m.l + ((c.eta - MAP_ETAS.lo) / (MAP_ETAS.hi - MAP_ETAS.lo)) * pw, py = 8 + ph - ((c.tau - MAP_TAUS.lo) / (MAP_TAUS.hi - MAP_TAUS.lo)) * ph;
  ctx.fillStyle = '#000'; ctx.beginPath(); ctx.arc(px, py, 5, 0, 2 * Math.PI); ctx.fill();
  // overlap curves
  const cv = $('overlaps') as HTMLCanvasElement;
  const g = cv.getContext('2d')!;
  const W2 = cv.width, H2 = cv.height, pw2 = W2 - m.l - 8, ph2 = H2 - m.b - 8, T = curves.t[curves.t.length - 1];
  g.fillStyle = '#fff'; g.fillRect(0, 0, W2, H2);
  axes(g, W2, H2, m, `t (0…${T})`, 'overlap (−1…1)');
  const line = (ys: number[], color: string) => {
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    ys.forEach((y, i) => { const X = m.l + (curves.t[i] / T) * pw2, Y = 8 + ph2 / 2 - (Math.max(-1, Math.min(1, y)) * ph2) / 2; if (i) g.lineTo(X, Y); else g.moveTo(X, Y); });
    g.stroke();
  };
  line(curves.P, '#1f77b4'); line(curves.q, '#d62728');
  const last = curves.t.length - 1;
  $('solvable-status').textContent = `predicted phase: ${phase}\nκ = τ²(η_T² + η_G²)/2 = ${kappa.toPrecision(4)}\n`
    + `P(${T}) = ${curves.P[last].toFixed(4)}, q(${T}) = ${curves.q[last].toFixed(4)}\nupdate: ${ms.toFixed(0)} ms (f64, dopri5)`;
  $('backend-line').textContent = `f64 (ODE) · ${ms.toFixed(0)} ms per update`;
  solvableState = { ...c, phase, kappa, P: curves.P[last], q: curves.q[last] };
}

// ---------------- effective-GAN particles ----------------

const LRD_STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];
const LRG_STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05];
let effective: { flow: EffectiveFlow; running: boolean; frameMs: number } | undefined;

function renderEffectivePanel(app: HTMLElement): void {
  const d = DEFAULT_EFFECTIVE;
  app.innerHTML = `
  <section class="panel controls">
    <div class="row"><button id="eff-play">${query.get('paused') === '1' ? 'play' : 'pause'}</button><button id="eff-step">step</button><button id="eff-reset">reset</button></div>
    ${slider('g-ratio', 'kernel ratio g<sub>2</sub>/g<sub>1</sub>', 0, 0.5, 0.01, d.ratio)}
    ${slider('lr-d', 'critic learning rate η<sub>D</sub>', 0, LRD_STEPS.length - 1, 1, LRD_STEPS.indexOf(d.lrD), (i) => String(LRD_STEPS[i]))}
    ${slider('lr-g', 'particle learning rate η<sub>G</sub>', 0, LRG_STEPS.length - 1, 1, LRG_STEPS.indexOf(d.lrG), (i) => String(LRG_STEPS[i]))}
    <label>particles N <select id="eff-n">${[50, 100, 200, 400].map((n) => `<option${n === d.particles ? ' selected' : ''}>${n}</option>`).join('')}</select></label>
    <div id="eff-status" class="status"></div>
    <div class="eq" id="eq-couple"></div>
    <p id="eq-mode-label"></p><div class="eq" id="eq-mode"></div>
  </section>
  <section class="panel"><canvas id="eff-canvas" width="560" height="560"></canvas>
    <div class="legend"><span style="background:#9a9a9a"></span>targets (ring of 8)<span style="background:#d62728"></span>generated</div></section>`;
  tex($('eq-couple'), String.raw`\begin{aligned} x_i &\leftarrow x_i + \eta_G \textstyle\sum_j \Theta_{ij}\,\nabla f(x_j), \\ \Theta_{ij} &= g_1\delta_{ij} + g_2(1-\delta_{ij}) \end{aligned}`);
  const m = effectiveLatex();
  $('eq-mode-label').textContent = `Derived in this page: ${m.label}`;
  tex($('eq-mode'), m.latex);
  const controls = () => ({
    ratio: Number(($('g-ratio') as HTMLInputElement).value),
    lrD: LRD_STEPS[Number(($('lr-d') as HTMLInputElement).value)],
    lrG: LRG_STEPS[Number(($('lr-g') as HTMLInputElement).value)],
  });
  for (const id of ['g-ratio', 'lr-d', 'lr-g']) {
    $(id).addEventListener('input', () => {
      const c = controls();
      $(`${id}-out`).textContent = String(id === 'g-ratio' ? c.ratio : id === 'lr-d' ? c.lrD : c.lrG);
      effective?.flow.set(c);
      drawEffective();
    });
  }
  const reset = () => {
    const run = effective?.running ?? query.get('paused') !== '1';
    effective = { flow: new EffectiveFlow({ ...DEFAULT_EFFECTIVE, ...controls(), particles: Number(($('eff-n') as HTMLSelectElement).value) }), running: run, frameMs: NaN };
    $('eff-play').textContent = run ? 'pause' : 'play';
    drawEffective();
    if (run) requestAnimationFrame(effectiveFrame);
  };
  $('eff-n').addEventListener('change', reset);
  $('eff-reset').addEventListener('click', reset);
  $('eff-play').addEventListener('click', () => {
    if (!effective) return;
    effective.running = !effective.running;
    $('eff-play').textContent = effective.running ? 'pause' : 'play';
    if (effective.running) requestAnimationFrame(effectiveFrame);
  });
  $('eff-step').addEventListener('click', () => { if (effective) { effectiveAdvance(); drawEffective(); } });
  reset();
}

function effectiveAdvance(): void {
  const e = effective!;
  const t0 = performance.now();
  e.flow.advance(1);
  const ms = performance.now() - t0;
  e.frameMs = Number.isNaN(e.frameMs) ? ms : 0.8 * e.frameMs + 0.2 * ms;
}

function effectiveFrame(): void {
  if (!effective?.running || currentModel !== 'effective') return;
  try {
    effectiveAdvance();
    drawEffective();
  } catch (err) {
    effective.running = false;
    showError(err);
    return;
  }
  requestAnimationFrame(effectiveFrame);
}

function drawEffective(): void {
  if (!effective) return;
  const { flow } = effective;
  const canvas = $('eff-canvas') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d')!;
  const W = canvas.width, H = canvas.height, R = 3;
  const sx = (v: number) => W / 2 + (v / R) * (W / 2), sy = (v: number) => H / 2 - (v / R) * (H / 2);
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
  const dots = (a: Float64Array, color: string, r: number) => {
    ctx.fillStyle = color;
    for (let i = 0; i < a.length; i += 2) { ctx.beginPath(); ctx.arc(sx(a[i]), sy(a[i + 1]), r, 0, 2 * Math.PI); ctx.fill(); }
  };
  ctx.globalAlpha = 0.6; dots(flow.targets, '#9a9a9a', 2);
  ctx.globalAlpha = 0.85; dots(flow.x, '#d62728', 2.6);
  ctx.globalAlpha = 1;
  const o = flow.order();
  const c = flow.controls;
  $('eff-status').textContent = `backend: f64 (the theory's critic and coupling)\nstep ${flow.step}, N = ${flow.spec.N}, g2/g1 = ${c.ratio}, η_D = ${c.lrD}, η_G = ${c.lrG}\n`
    + `modes covered ${o.covered} of 8, diversity ${o.diversity.toFixed(3)}\nframe time: ${Number.isNaN(effective.frameMs) ? '–' : `${effective.frameMs.toFixed(1)} ms per step`}`;
  $('backend-line').textContent = `f64 · ${Number.isNaN(effective.frameMs) ? '–' : `${effective.frameMs.toFixed(1)} ms/step`}`;
}

// ---------------- page ----------------

type Model = 'ntk' | 'solvable' | 'effective';
let currentModel: Model = query.get('model') === 'solvable' ? 'solvable' : query.get('model') === 'effective' ? 'effective' : 'ntk';
let solvableState: Record<string, unknown> | undefined;
const benchFlows = new Map<string, IpmFlow>();
const errors: string[] = [];

function showError(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  errors.push(msg);
  console.error(`gan-dynamics page: ${msg}`);
  const el = document.createElement('p');
  el.className = 'status';
  el.style.color = '#c62828';
  el.textContent = `error: ${msg}`;
  $('app').prepend(el);
}

function show(model: Model): void {
  currentModel = model;
  if (ntk) { ntk.running = false; ntk.flow.dispose(); ntk = undefined; }
  if (effective) { effective.running = false; effective = undefined; }
  try {
    if (model === 'ntk') renderNtkPanel($('app'));
    else if (model === 'effective') renderEffectivePanel($('app'));
    else renderSolvablePanel($('app'));
  } catch (err) {
    showError(err);
  }
}

($('model') as HTMLSelectElement).value = currentModel;
$('model').addEventListener('change', () => show(($('model') as HTMLSelectElement).value as Model));
show(currentModel);

/** For tests and the benchmark: the page's state and a few actions. */
(window as unknown as { __gandyn: unknown }).__gandyn = {
  ready: true,
  errors,
  model: () => currentModel,
  ntk: () => ntk && {
    backend: ntk.flow.backend, precision: ntk.flow.precision, requested: ntk.flow.requested, fallback: ntk.flow.fallback, step: ntk.flow.step,
    config: { ...ntk.flow.config }, x: Array.from(ntk.flow.x), running: ntk.running, frameMs: ntk.frameMs,
  },
  solvable: () => solvableState,
  effective: () => effective && {
    step: effective.flow.step, controls: { ...effective.flow.controls }, x: Array.from(effective.flow.x), order: effective.flow.order(), running: effective.running,
  },
  pause: () => { if (ntk) { ntk.running = false; $('play').textContent = 'play'; } },
  /**
   * Benchmark: `steps` flow steps of a kept flow at N particles = targets on `backend`
   * (seed 1; created on first use, outside the timing), timed in the page.
   */
  benchRun: (N: number, backend: 'gpu' | 'f64', steps: number) => {
    const key = `${N}/${backend}`;
    let flow = benchFlows.get(key);
    if (!flow) { flow = new IpmFlow({ ...DEFAULT_FLOW, particles: N, targets: N, backend }); benchFlows.set(key, flow); }
    const t0 = performance.now();
    flow.advance(steps);
    const seconds = (performance.now() - t0) / 1000;
    return { backend: flow.backend, step: flow.step, seconds, x: Array.from(flow.x) };
  },
  benchDispose: () => { for (const f of benchFlows.values()) f.dispose(); benchFlows.clear(); },
};
