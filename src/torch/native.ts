// The only module that loads the addon. Everything else in src/torch goes through `native`.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { TorchError } from './errors.js';

/** An opaque handle owning one libtorch tensor (a Node-API external). */
export type Handle = { readonly __flintHandle: unique symbol };

function addonPath(): string {
  if (process.env.FLINT_NATIVE) return resolve(process.env.FLINT_NATIVE);
  // dist/src/torch/native.js -> <package root>/build/flint.node (and src/torch/native.ts alike)
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'build', 'flint.node');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new TorchError('Flint\'s native addon (build/flint.node) is not built: run `npm run build` ' +
    '(or `npm test` / `npm run demo`, which set everything up)');
}

// The addon's functions are checked at the native boundary (types, disposed tensors), so the JS side
// types them loosely; src/torch wraps each one with a precise signature.
export const native: Record<string, any> = createRequire(import.meta.url)(addonPath());
native.setErrorClass(TorchError);
