// The files the inspector page is made of, all served by the node itself: the page's own HTML,
// CSS and scripts, and elkjs's browser bundle from the installed package. Nothing from elsewhere.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The page's files, by the path the browser asks for. */
const PAGE_FILES = [
  'index.html',
  'inspector.css',
  'inspector.js',
  'chart.js',
  'panels.js',
  'event-log.js',
  'headline.js',
  'actors.js',
] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

export interface Asset {
  file: string;
  contentType: string;
}

/**
 * The page sources live next to this module under src/; the compiler does not copy them into
 * dist/, so a build run from dist/src/inspector looks for them in the package's src/ instead.
 */
function pageDirectory(): string {
  const candidates = [new URL('./page/', import.meta.url), new URL('../../../src/inspector/page/', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error(`inspector page not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`);
}

/** Maps request paths to files on disk; built once per inspector. */
export function pageAssets(): Map<string, Asset> {
  const dir = pageDirectory();
  const assets = new Map<string, Asset>();
  for (const name of PAGE_FILES) {
    assets.set(`/${name}`, { file: `${dir}${name}`, contentType: CONTENT_TYPES[extname(name)]! });
  }
  assets.set('/', assets.get('/index.html')!);
  // The bundled build runs the layout on the page's own thread: no worker script to fetch.
  assets.set('/vendor/elk.bundled.js', {
    file: require.resolve('elkjs/lib/elk.bundled.js'),
    contentType: CONTENT_TYPES['.js']!,
  });
  return assets;
}
