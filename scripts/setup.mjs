#!/usr/bin/env node
// Idempotent set-up run before `npm test`, `npm run demo` and `npm run bench`:
//   1. system packages (libtorch-dev with OpenBLAS, the image libraries, Gloo's headers, dataset-fashion-mnist, python3;
//      python3-torch, python3-pandas and python3-sklearn for benchmarks) via apt-get when missing, or the exact command to run when not root;
//      Chromium, protoc and python3-protobuf for the browser and TensorBoard tests, when they can be installed;
//   2. `npm ci` when node_modules is missing or older than package-lock.json;
//   3. the native addon, rebuilt only when its sources changed; 4. the TypeScript, incrementally.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const log = (m) => console.log(`flint setup: ${m}`);

function installed(pkg) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a JS template
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensurePackages() {
  // The image decoders native/image.cc links: libjpeg-turbo (libjpeg-dev names it on Debian and Ubuntu), libpng, libwebp.
  const wanted = ['dataset-fashion-mnist', 'python3', 'libjpeg-dev', 'libpng-dev', 'libwebp-dev'];
  // A libtorch given by LIBTORCH or Python's PyTorch replaces Debian's.
  // Debian's libtorch does its matrix products in whatever libblas.so.3 is installed; apt's --no-install-recommends
  // would leave the reference BLAS (about 10x slower on the MLP step), so OpenBLAS, which libtorch recommends, is named.
  // libgloo-dev: Gloo's headers, for c10d's Gloo process group (torch.distributed): the same version as the libgloo0
  // Debian's libtorch links; a libtorch that ships its own (include/gloo) is compiled against those first.
  wanted.push('libgloo-dev');
  if (!process.env.LIBTORCH && !process.env.LIBTORCH_USE_PYTORCH) wanted.unshift('libtorch-dev', 'libopenblas0-pthread');
  // the benchmarks' references: PyTorch, and for the tabular comparison pandas and scikit-learn's bundled tables
  if (args.has('--bench')) wanted.push('python3-torch', 'python3-pandas', 'python3-sklearn');
  if (spawnSync('dpkg-query', ['--version']).status !== 0) {
    log(`not a Debian/Ubuntu system: make sure these are available: ${wanted.join(' ')}`);
    return;
  }
  const missing = wanted.filter((p) => !installed(p));
  if (missing.length === 0) return ensureOptional();
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`flint setup: missing system packages: ${missing.join(', ')}.\nRun as root:\n  sudo sh -c '${cmd}'`);
    process.exit(1);
  }
  log(`installing ${missing.join(', ')} with apt-get`);
  if (!aptInstall(missing)) {
    console.error(`flint setup: apt-get could not install ${missing.join(', ')}`);
    process.exit(1);
  }
  ensureOptional();
}

/** apt-get install, without refreshing the lists first (fast when they are fresh), then with; true on success. */
function aptInstall(pkgs) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (a) => spawnSync('apt-get', a, { stdio: 'inherit', env }).status === 0;
  const install = ['install', '-y', '--no-install-recommends', ...pkgs];
  return run(install) || (run(['update']) && run(install));
}

// What some tests need and skip without, saying why: Chromium for the dashboard's browser tests, protoc and
// Python's protobuf for reading TensorBoard files back. A failure to install them is a warning, not an error.
function ensureOptional() {
  const optional = ['chromium', 'protobuf-compiler', 'python3-protobuf'].filter((p) => !installed(p));
  if (optional.length === 0) return;
  if (process.getuid?.() !== 0) {
    log(`optional packages missing (their tests skip): ${optional.join(', ')}; as root: apt-get install -y ${optional.join(' ')}`);
    return;
  }
  log(`installing ${optional.join(', ')} with apt-get (for the browser and TensorBoard tests)`);
  if (!aptInstall(optional)) log(`could not install ${optional.join(', ')}: their tests will skip`);
}

function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.flint-lock-hash');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash && existsSync(join(root, 'node_modules', 'typescript'))) return;
  log('npm ci');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, hash);
}

function build() {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}

try {
  ensurePackages();
  ensureNodeModules();
  build();
} catch (e) {
  console.error(`flint setup failed: ${e.message}`);
  process.exit(1);
}
