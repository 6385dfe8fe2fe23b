// The page's files: a fixed list, each name mapped to a file of the package (no part of a request becomes a path).
// ECharts comes from the package's dependency (node_modules), so the page works offline.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const assets = (name: string): string => fileURLToPath(new URL(`../../../assets/dashboard/${name}`, import.meta.url));

function echarts(): string {
  return createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
}

/** URL path -> [file, content type]. */
export const STATIC_FILES: ReadonlyMap<string, readonly [() => string, string]> = new Map([
  ['/', [() => assets('index.html'), 'text/html; charset=utf-8']],
  ['/assets/app.js', [() => assets('app.js'), 'text/javascript; charset=utf-8']],
  ['/assets/style.css', [() => assets('style.css'), 'text/css; charset=utf-8']],
  ['/assets/echarts.min.js', [echarts, 'text/javascript; charset=utf-8']],
]);
