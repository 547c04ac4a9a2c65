// A tiny static server for the built live page (web/dist/ by default), on localhost only.
//   node web/serve.mjs [--port 8080] [--dir web/dist]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json', '.json': 'application/json', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf',
  '.png': 'image/png', '.svg': 'image/svg+xml',
};

/** Serves `dir` on 127.0.0.1:`port` (0: any free port); resolves to the server and its URL. */
export function serveStatic(dir = join(HERE, 'dist'), port = 8080) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
      if (file !== root && !file.startsWith(root + sep)) { res.writeHead(403).end('forbidden'); return; }
      const st = await stat(file).catch(() => undefined);
      if (!st?.isFile()) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(await readFile(file));
    } catch {
      res.writeHead(400).end('bad request');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      ok({ server, url: `http://127.0.0.1:${addr.port}/` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log('usage: node web/serve.mjs [--port 8080] [--dir web/dist]   (build first: node web/build.mjs)');
    process.exit(0);
  }
  const at = (f) => (args.indexOf(f) >= 0 ? args[args.indexOf(f) + 1] : undefined);
  const port = Number(at('--port') ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) { console.error(`serve: --port must be an integer in 0..65535, got ${at('--port')}`); process.exit(2); }
  const dir = at('--dir') ?? join(HERE, 'dist');
  const ok = await stat(join(dir, 'index.html')).then((s) => s.isFile(), () => false);
  if (!ok) { console.error(`serve: ${dir}/index.html not found: run node web/build.mjs first`); process.exit(2); }
  try {
    const { url } = await serveStatic(dir, port);
    console.log(`gan-dynamics live page: ${url} (Ctrl-C stops)`);
  } catch (err) {
    console.error(`serve: cannot listen on 127.0.0.1:${port} (${err.code ?? err.message})`);
    process.exit(2);
  }
}
