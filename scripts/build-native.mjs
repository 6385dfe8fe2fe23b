#!/usr/bin/env node
// Builds native/*.cc into build/flint.node against libtorch, found the way the Rust crate tch-rs finds it:
//   LIBTORCH=/path (include/ and lib/ inside), or LIBTORCH_USE_PYTORCH=1 (ask python3's torch), or the system
//   one (Debian libtorch-dev). Objects are rebuilt only when their source, a header or the flags changed.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'native');
const outDir = join(root, 'build');
const objDir = join(outDir, 'obj');
const require = createRequire(import.meta.url);

function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
}

/** Where libtorch is: { includes, libDir, cxx11Abi, source }. */
export function findLibtorch(env = process.env) {
  if (env.LIBTORCH) {
    const base = resolve(env.LIBTORCH);
    return {
      source: `LIBTORCH=${base}`,
      includes: [join(base, 'include'), join(base, 'include/torch/csrc/api/include')],
      libDir: join(base, 'lib'),
      cxx11Abi: env.LIBTORCH_CXX11_ABI ?? '1',
    };
  }
  if (env.LIBTORCH_USE_PYTORCH === '1' || env.LIBTORCH_USE_PYTORCH === 'true') {
    const py = env.PYTHON ?? 'python3';
    const script =
      'import torch, json, os\n' +
      'from torch.utils import cpp_extension as c\n' +
      'print(json.dumps({"inc": c.include_paths(), "lib": c.library_paths()[0],' +
      ' "abi": int(torch._C._GLIBCXX_USE_CXX11_ABI)}))';
    const info = JSON.parse(run(py, ['-c', script]));
    return { source: `${py}'s torch`, includes: info.inc, libDir: info.lib, cxx11Abi: String(info.abi) };
  }
  let multiarch = '';
  try {
    multiarch = run('gcc', ['-print-multiarch']);
  } catch {
    /* not Debian-style */
  }
  const libDir = multiarch ? `/usr/lib/${multiarch}` : '/usr/lib';
  const header = '/usr/include/torch/csrc/api/include/torch/version.h';
  if (!existsSync(header) || !existsSync(join(libDir, 'libtorch_cpu.so'))) {
    throw new Error(
      "libtorch not found: install Debian's libtorch-dev (apt-get install libtorch-dev), or set LIBTORCH to a " +
        "libtorch folder (with include/ and lib/), or LIBTORCH_USE_PYTORCH=1 to use python3's PyTorch.",
    );
  }
  return {
    source: 'system (libtorch-dev)',
    includes: ['/usr/include', '/usr/include/torch/csrc/api/include'],
    libDir,
    cxx11Abi: env.LIBTORCH_CXX11_ABI ?? '1',
  };
}

function nodeInclude(env = process.env) {
  const dirs = [
    env.NODEDIR && join(env.NODEDIR, 'include/node'),
    join(dirname(dirname(process.execPath)), 'include/node'),
    '/usr/include/node',
  ].filter(Boolean);
  const found = dirs.find((d) => existsSync(join(d, 'node_api.h')));
  if (!found) throw new Error(`Node.js headers (node_api.h) not found in ${dirs.join(', ')}; set NODEDIR`);
  return found;
}

function libs(libDir) {
  const names = ['torch', 'torch_cpu', 'c10'];
  for (const extra of ['torch_cuda', 'c10_cuda']) if (existsSync(join(libDir, `lib${extra}.so`))) names.push(extra);
  return names.map((n) => `-l${n}`);
}

function runJobs(jobs, width) {
  return new Promise((resolveAll, reject) => {
    // Every file is compiled even when one fails, so one build shows all the errors.
    let next = 0,
      active = 0;
    const failures = [];
    const launch = () => {
      if (next === jobs.length && active === 0) {
        return failures.length ? reject(new Error(`compiling ${failures.join(', ')} failed`)) : resolveAll();
      }
      while (active < width && next < jobs.length) {
        const job = jobs[next++];
        active++;
        process.stdout.write(`  compiling ${job.name}\n`);
        const p = spawn(job.cmd, job.args, { stdio: 'inherit' });
        p.on('exit', (code) => {
          active--;
          if (code === 0) job.done();
          else failures.push(job.name);
          launch();
        });
      }
    };
    launch();
  });
}

export async function build() {
  const torch = findLibtorch();
  const cxx = process.env.CXX ?? 'g++';
  const includes = [nodeInclude(), require('node-addon-api').include_dir.replace(/"/g, ''), ...torch.includes, srcDir];
  // NAPI_EXPERIMENTAL: finalizers run synchronously during GC (see native/handle.cc).
  const cflags = [
    '-std=c++17',
    '-O2',
    '-fPIC',
    '-fvisibility=hidden',
    '-DNAPI_EXPERIMENTAL',
    '-DNAPI_CPP_EXCEPTIONS',
    '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-D_GLIBCXX_USE_CXX11_ABI=${torch.cxx11Abi}`,
    '-Wno-deprecated-declarations',
    '-Wno-unused-parameter',
    ...includes.map((d) => `-I${d}`),
  ];
  // Image decoding (native/image.cc): libjpeg-turbo, libpng and libwebp, from the system (see scripts/setup.mjs).
  const imageLibs = ['-ljpeg', '-lpng16', '-lwebp'];
  const ldflags = [
    '-shared',
    `-L${torch.libDir}`,
    `-Wl,-rpath,${torch.libDir}`,
    '-Wl,--no-as-needed',
    ...libs(torch.libDir),
    '-Wl,--as-needed',
    ...imageLibs,
  ];

  // c10d's Gloo process group (native/distributed.cc, reducer.cc) needs Gloo's headers (Debian's libgloo-dev, or a libtorch that
  // ships them); without them the file builds without it and torch.distributed says so.
  const glooFound = [...torch.includes, '/usr/include'].some((d) => existsSync(join(d, 'gloo/config.h')));
  const gloo = glooFound ? ['-DUSE_C10D_GLOO'] : [];
  const fileFlags = { 'distributed.cc': gloo, 'reducer.cc': gloo };

  mkdirSync(objDir, { recursive: true });
  const files = readdirSync(srcDir);
  const headers = files
    .filter((f) => f.endsWith('.h'))
    .sort()
    .map((f) => readFileSync(join(srcDir, f), 'utf8'))
    .join('\n');
  const flagKey = JSON.stringify([cxx, cflags]);
  const sources = files.filter((f) => f.endsWith('.cc')).sort();
  const jobs = [];
  const objects = [];
  for (const f of sources) {
    const obj = join(objDir, f.replace(/\.cc$/, '.o'));
    const stamp = `${obj}.hash`;
    const extra = fileFlags[f] ?? [];
    const hash = createHash('sha256')
      .update(flagKey)
      .update(extra.join(' '))
      .update(headers)
      .update(readFileSync(join(srcDir, f)))
      .digest('hex');
    objects.push(obj);
    if (existsSync(obj) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) continue;
    jobs.push({ name: f, cmd: cxx, args: [...cflags, ...extra, '-c', join(srcDir, f), '-o', obj], done: () => writeFileSync(stamp, hash) });
  }
  const target = join(outDir, 'flint.node');
  const linkStamp = `${target}.hash`;
  const linkHash = createHash('sha256').update(JSON.stringify(ldflags)).update(sources.join(',')).digest('hex');
  if (jobs.length === 0 && existsSync(target) && existsSync(linkStamp) && readFileSync(linkStamp, 'utf8') === linkHash) {
    return { target, rebuilt: false, torch };
  }
  console.log(`flint: building the native addon against libtorch from ${torch.source}`);
  await runJobs(jobs, Math.max(1, Number(process.env.JOBS ?? cpus().length)));
  const tmp = `${target}.tmp`;
  execFileSync(cxx, [...objects, '-o', tmp, ...ldflags], { stdio: 'inherit' });
  renameSync(tmp, target); // atomic: a half-written addon is never loaded
  writeFileSync(linkStamp, linkHash);
  return { target, rebuilt: true, torch };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build()
    .then((r) => console.log(r.rebuilt ? `flint: built ${r.target}` : 'flint: native addon up to date'))
    .catch((e) => {
      console.error(`flint: ${e.message}`);
      process.exit(1);
    });
}
