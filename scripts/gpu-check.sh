#!/usr/bin/env bash
# Runs on the GPU machine (../shared/gpu/README.md): builds the addon against that machine's CUDA libtorch
# (Python's PyTorch 2.x), runs the whole test suite there (the CUDA tests run instead of skipping) and the
# CUDA benchmark. Carry: .gpu-carry (from ../shared/gpu/prepare-carry.sh, plus fashion-mnist/ with the dataset's
# four files), dist, node_modules/node-addon-api, node_modules/csv-parse, node_modules/commander,
# node_modules/csv-stringify (eight paths, the most a call carries).
set -uo pipefail
source .gpu-carry/on-device.sh
# Debian's dataset-fashion-mnist files, when carried (.gpu-carry/fashion-mnist), go where the package puts them
if [ -d .gpu-carry/fashion-mnist ] && [ ! -d /usr/share/datasets/fashion-mnist ]; then
  mkdir -p /usr/share/datasets && cp -r .gpu-carry/fashion-mnist /usr/share/datasets/
fi
export LIBTORCH_USE_PYTORCH=1 PYTHON=python3
out=${OUT:-/tmp/flint-gpu}
mkdir -p "$out"
rm -rf build
node scripts/build-native.mjs 2>&1 | tail -5 || exit 1
node -e "import('./dist/src/index.js').then(({torch}) => console.log('libtorch', torch.libtorchVersion, 'cuda devices', torch.cuda.deviceCount()))"
# Plotting needs echarts (about 60 MB), more than a call can carry beside Node and the dataset: without it the three
# test files that plot throughout (learner, demo, cli) are left out, and the script says so; the few tests in
# callbacks and schedule that write a chart (ShowGraphCallback, the LR finder) then fail for that reason alone.
if [ -d node_modules/echarts ]; then
  node --test --test-concurrency=1 dist/test/*.test.js > "$out/test.log" 2>&1
else
  echo "node_modules/echarts not carried: skipping dist/test/learner.test.js, demo.test.js and cli.test.js (they plot)"
  node --test --test-concurrency=1 $(ls dist/test/*.test.js | grep -v -e learner.test.js -e demo.test.js -e cli.test.js) > "$out/test.log" 2>&1
fi
echo "tests exit $?"
grep -E '^# (tests|pass|fail|skipped)' "$out/test.log"
grep -E -A12 '^not ok' "$out/test.log" | head -80
[ -d node_modules/echarts ] && node dist/examples/demo.js 2>&1 | tail -4
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
node dist/bench/run.js --device cuda --pairs 15 --python "$(command -v python3)" --label "$gpu" \
  --out "$out/BENCH-cuda.md" 2>&1 | tail -25
