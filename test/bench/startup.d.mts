// Declarations for startup.mjs (a plain script so that it runs without a build step).
export interface StartupCase { name: string; args: string[]; stdout: string }
export interface CaseResult { name: string; medianMs: number; minMs: number; cpuMedianMs: number; samples: number[] }
export interface StartupResult { runs: number; cases: CaseResult[] }
export interface ImportRow { module: string; medianMs: number; error?: string }
export const GOAL_MS: number;
export const CASES: StartupCase[];
export const IMPORTS: string[];
export function median(xs: readonly number[]): number;
export function distMissing(): boolean;
export function measureStartup(opts?: { runs?: number; warmup?: number; cases?: StartupCase[] }): StartupResult;
export function measureImports(opts?: { runs?: number; modules?: string[] }): ImportRow[];
export function report(result: StartupResult): string;
export function reportImports(rows: ImportRow[]): string;
