// The only module that loads the addon. Everything else in src/torch goes through `native`.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { ArgumentError, TorchError } from './errors.js';

import type { NativeAddon } from './native-api.js';

export type { Handle } from './native-api.js';

function addonPath(): string {
  if (process.env.FLINT_NATIVE) return resolve(process.env.FLINT_NATIVE);
  // dist/src/torch/native.js -> <package root>/build/flint.node (and src/torch/native.ts alike)
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'build', 'flint.node');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new TorchError(
    "Flint's native addon (build/flint.node) is not built: run `npm run build` " + '(or `npm test` / `npm run demo`, which set everything up)',
  );
}

// Typed by NativeAddon (native-api.ts), which test/native-api.test.ts keeps in step with the C++ exports.
export const native = createRequire(import.meta.url)(addonPath()) as NativeAddon;
// libtorch's failures become TorchError; the addon's own argument checks (wrong JS type, disposed tensor,
// value out of range) ArgumentError. Both carry `op` and `inputs`.
native.setErrorClass(TorchError, ArgumentError);
