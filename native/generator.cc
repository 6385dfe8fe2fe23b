// Random generators as objects (PyTorch's torch.Generator): a private stream with its own seed and state, given to
// the random ops that take one, so that a draw from it neither moves nor depends on libtorch's default generator.
#include "flint.h"

#include <ATen/CPUGeneratorImpl.h>

namespace flint {

constexpr uint32_t kGenMagic = 0x464c4e47;  // "FLNG"

struct GenHolder {
  uint32_t magic = kGenMagic;
  at::Generator gen;
};

static void finalizeGen(Napi::BasicEnv, GenHolder* g) { delete g; }

// The generator of argument i (an external made by generatorNew).
at::Generator GEN(const Napi::CallbackInfo& info, size_t i) {
  const Napi::Value v = info[i];
  if (v.Type() == napi_external) {
    auto* g = v.As<Napi::External<GenHolder>>().Data();
    if (g != nullptr && g->magic == kGenMagic) return g->gen;
  }
  throw ArgError(argName(i), "a generator", describeValue(v));
}

// An optional generator: null/undefined gives none (the op then draws from the default generator).
c10::optional<at::Generator> OGEN(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || isNil(info[i])) return c10::nullopt;
  return GEN(info, i);
}

// generatorNew(device, seed): a new generator of the device's kind (CPU: mt19937; CUDA: Philox), seeded, so the
// same seed draws the same stream as torch.manualSeed(seed) does from the default generator.
OP_BEGIN(generatorNew)
  c10::Device dev = DEV(info, 0);
  at::Generator gen = dev.is_cpu() ? at::make_generator<at::CPUGeneratorImpl>(seedOf(info, 1))
                                   : at::globalContext().defaultGenerator(dev).clone();
  if (!dev.is_cpu()) gen.set_current_seed(seedOf(info, 1));
  auto* g = new GenHolder();
  g->gen = std::move(gen);
  return Napi::External<GenHolder>::New(env, g, finalizeGen);
OP_END

OP_BEGIN(generatorManualSeed)
  at::Generator gen = GEN(info, 0);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(seedOf(info, 1));
  return env.Undefined();
OP_END

// The seed the generator was last seeded with, as a decimal string (seeds reach 2^64, beyond a double).
OP_BEGIN(generatorInitialSeed)
  return Napi::String::New(env, std::to_string(GEN(info, 0).current_seed()));
OP_END

OP_BEGIN(generatorGetState)
  at::Generator gen = GEN(info, 0);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrap(env, at::Tensor(gen.get_state()));
OP_END

OP_BEGIN(generatorSetState)
  at::Generator gen = GEN(info, 0);
  const at::Tensor& state = T(info, 1);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return env.Undefined();
OP_END

OP_BEGIN(generatorDevice)
  return Napi::String::New(env, GEN(info, 0).device().str());
OP_END

void registerGenerator(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, generatorNew);
  EXPORT(exports, generatorManualSeed);
  EXPORT(exports, generatorInitialSeed);
  EXPORT(exports, generatorGetState);
  EXPORT(exports, generatorSetState);
  EXPORT(exports, generatorDevice);
}

}  // namespace flint
