// Declarations for build.mjs (a plain script so that `npm run web:build` needs no build step).
export function buildWeb(opts?: { out?: string; minify?: boolean }): Promise<{ dir: string; bytes: number }>;
