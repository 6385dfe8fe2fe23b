// Process-wide switches: threads (libtorch's pool and OpenBLAS's), the seed, devices, grad mode, memory.
#include "flint.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace flint {

OP_BEGIN(setNumThreads)
  int64_t n = I(info, 0);
  if (n < 1) throw ArgError(argName(0), "an integer >= 1 (number of threads)", std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
  return env.Undefined();
OP_END

OP_BEGIN(getNumThreads)
  return Napi::Number::New(env, at::get_num_threads());
OP_END

// OpenBLAS runs its own thread pool beside libtorch's; these reach it by symbol when it is linked in.
OP_BEGIN(setBlasThreads)
  int64_t n = I(info, 0);
  if (n < 1) throw ArgError(argName(0), "an integer >= 1 (number of BLAS threads)", std::to_string(n));
  using SetFn = void (*)(int);
  auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (fn) fn(static_cast<int>(n));
  return Napi::Boolean::New(env, fn != nullptr);
OP_END

OP_BEGIN(getBlasThreads)
  using GetFn = int (*)();
  auto fn = reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return fn ? Napi::Number::New(env, fn()) : env.Null();
OP_END

OP_BEGIN(manualSeed)
  at::manual_seed(seedOf(info, 0));
  return env.Undefined();
OP_END

OP_BEGIN(cudaDeviceCount)
  return Napi::Number::New(env, static_cast<double>(at::getNumGPUs()));
OP_END

OP_BEGIN(cudaSynchronize)
  if (at::hasCUDA()) at::empty({1}, at::device(at::kCUDA)).cpu();  // a device-to-host copy waits for the stream
  return env.Undefined();
OP_END

OP_BEGIN(setGradEnabled)
  c10::GradMode::set_enabled(B(info, 0));
  return env.Undefined();
OP_END

OP_BEGIN(isGradEnabled)
  return Napi::Boolean::New(env, c10::GradMode::is_enabled());
OP_END

// Large host buffers. glibc serves a block over its mmap threshold (32 MiB at most under its own dynamic rule) with
// a fresh mmap and unmaps it on free, so every such tensor is page-faulted in again on its first write: a batch of
// 64 RGB 224px images in float32 is 37 MiB, a ResNet's activations at 224 are larger. Measured on a 2-core machine:
// a clamp of that batch 18 ms against 4 ms once freed blocks are reused, the JPEG loader 300 against 390 images/s.
// Raising the mmap and trim thresholds to 1 GiB keeps freed big blocks in the heap for the next batch, as a caching
// allocator would (RSS then stays near the peak; torch.trimHostMemory() still hands free memory back).
// FLINT_MALLOC_TUNING=0, or the user's own MALLOC_*_ or GLIBC_TUNABLES malloc settings, leave glibc as it is.
static const char* envSet(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;  // an empty variable is no setting
}
static const char* tuneMalloc() {
#if defined(__GLIBC__)
  const char* off = envSet("FLINT_MALLOC_TUNING");
  if (off != nullptr && std::strcmp(off, "0") == 0) return "off";
  const char* tunables = envSet("GLIBC_TUNABLES");
  if (envSet("MALLOC_MMAP_THRESHOLD_") != nullptr || envSet("MALLOC_TRIM_THRESHOLD_") != nullptr ||
      envSet("MALLOC_MMAP_MAX_") != nullptr || (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr))
    return "user";
  constexpr int kGiB = 1 << 30;
  return mallopt(M_MMAP_THRESHOLD, kGiB) == 1 && mallopt(M_TRIM_THRESHOLD, kGiB) == 1 ? "on" : "refused";
#else
  return "unsupported";
#endif
}

// glibc keeps freed memory for reuse; malloc_trim hands it back, so RSS then measures what is live.
OP_BEGIN(trimHostMemory)
  using TrimFn = int (*)(size_t);
  auto fn = reinterpret_cast<TrimFn>(dlsym(RTLD_DEFAULT, "malloc_trim"));
  return Napi::Boolean::New(env, fn != nullptr && fn(0) == 1);
OP_END

// timeNativeAdd(a, b, n): ns per at::add(a, b) called from C++ alone, the floor the binding is measured against.
OP_BEGIN(timeNativeAdd)
  const at::Tensor& a = T(info, 0);
  const at::Tensor& b = T(info, 1);
  int64_t n = I(info, 2);
  auto start = std::chrono::steady_clock::now();
  for (int64_t k = 0; k < n; k++) at::add(a, b);
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  return Napi::Number::New(env, ns / static_cast<double>(n));
OP_END

// Autocast's thread-local switches (the main thread runs every op). libtorch 2.4 replaced the per-device
// functions with ones taking the device type; the policy (nesting, saving and restoring) lives in src/torch.
static bool autocastCuda(const Napi::CallbackInfo& info, size_t i) {
  std::string d = Str(info, i);
  if (d != "cpu" && d != "cuda") throw ArgError(argName(i), "'cpu' or 'cuda' (autocast device type)", "'" + d + "'");
  return d == "cuda";
}
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
static c10::DeviceType autocastType(bool cuda) { return cuda ? c10::DeviceType::CUDA : c10::DeviceType::CPU; }
OP_BEGIN(autocastState)
  c10::DeviceType t = autocastType(autocastCuda(info, 0));
  Napi::Object o = Napi::Object::New(env);
  o.Set("enabled", at::autocast::is_autocast_enabled(t));
  o.Set("dtype", static_cast<int>(at::autocast::get_autocast_dtype(t)));
  return o;
OP_END
OP_BEGIN(setAutocast)
  c10::DeviceType t = autocastType(autocastCuda(info, 0));
  at::autocast::set_autocast_dtype(t, DT(info, 2));
  at::autocast::set_autocast_enabled(t, B(info, 1));
  return env.Undefined();
OP_END
#else
OP_BEGIN(autocastState)
  bool cuda = autocastCuda(info, 0);
  Napi::Object o = Napi::Object::New(env);
  o.Set("enabled", cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled());
  o.Set("dtype", static_cast<int>(cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype()));
  return o;
OP_END
OP_BEGIN(setAutocast)
  bool cuda = autocastCuda(info, 0);
  bool on = B(info, 1);
  at::ScalarType dt = DT(info, 2);
  if (cuda) { at::autocast::set_autocast_gpu_dtype(dt); at::autocast::set_enabled(on); }
  else { at::autocast::set_autocast_cpu_dtype(dt); at::autocast::set_cpu_enabled(on); }
  return env.Undefined();
OP_END
#endif
// Entering and leaving a region; leaving the outermost one drops the cached low-precision weight copies.
OP_BEGIN(autocastEnter) return Napi::Number::New(env, at::autocast::increment_nesting()); OP_END
OP_BEGIN(autocastExit)
  int n = at::autocast::decrement_nesting();
  if (n == 0) at::autocast::clear_cache();
  return Napi::Number::New(env, n);
OP_END

OP_BEGIN(parallelInfo)
  return Napi::String::New(env, at::get_parallel_info());
OP_END

void registerRuntime(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, setNumThreads);
  EXPORT(exports, getNumThreads);
  EXPORT(exports, setBlasThreads);
  EXPORT(exports, getBlasThreads);
  EXPORT(exports, manualSeed);
  EXPORT(exports, cudaDeviceCount);
  EXPORT(exports, cudaSynchronize);
  EXPORT(exports, setGradEnabled);
  EXPORT(exports, isGradEnabled);
  EXPORT(exports, parallelInfo);
  EXPORT(exports, autocastState);
  EXPORT(exports, setAutocast);
  EXPORT(exports, autocastEnter);
  EXPORT(exports, autocastExit);
  EXPORT(exports, trimHostMemory);
  EXPORT(exports, timeNativeAdd);
  exports.Set("mallocTuning", Napi::String::New(env, tuneMalloc()));
  exports.Set("torchVersion", Napi::String::New(env, std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR)));
}

}  // namespace flint
