// Tensor creation: from host memory, and libtorch's factory functions.
#include "flint.h"

#include <ATen/CPUGeneratorImpl.h>

namespace flint {

// fromTyped(typedArray, srcDtype, shape, dstDtype, device): copies host memory (any TypedArray or Buffer,
// read as srcDtype) into a new tensor, converted to dstDtype on device.
OP_BEGIN(fromTyped)
  if (!info[0].IsTypedArray()) throw ArgError(argName(0), "a TypedArray or Buffer", describeArg(info, 0));
  auto ta = info[0].As<Napi::TypedArray>();
  at::ScalarType src = DT(info, 1);
  std::vector<int64_t> shape = SH(info, 2);
  at::ScalarType dst = DT(info, 3);
  c10::Device dev = DEV(info, 4);
  // The byte count the shape needs, refused before it can overflow (a huge shape must not wrap around).
  int64_t numel = 1;
  uint64_t bound = static_cast<uint64_t>(INT64_MAX) / c10::elementSize(src);
  for (int64_t s : shape) {
    if (s != 0 && static_cast<uint64_t>(numel) > bound / static_cast<uint64_t>(s)) {
      throw ArgError(argName(2), "a shape whose size fits in memory", c10::str(c10::IntArrayRef(shape)));
    }
    numel *= s;
  }
  size_t need = static_cast<size_t>(numel) * c10::elementSize(src);
  if (ta.ByteLength() != need) {
    throw ArgError(argName(0), std::to_string(need) + " bytes of data for shape " + c10::str(c10::IntArrayRef(shape)),
                   std::to_string(ta.ByteLength()) + " bytes");
  }
  auto* data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  at::Tensor t = numel == 0 ? at::empty(shape, at::dtype(src)) : at::from_blob(data, shape, at::dtype(src)).clone();
  if (dst != src || !dev.is_cpu()) t = t.to(dev, dst);
  return wrap(env, std::move(t));
OP_END

OP_BEGIN(zeros) return wrap(env, at::zeros(SH(info, 0), OPTS(info, 1, 2))); OP_END
OP_BEGIN(ones) return wrap(env, at::ones(SH(info, 0), OPTS(info, 1, 2))); OP_END
OP_BEGIN(empty) return wrap(env, at::empty(SH(info, 0), OPTS(info, 1, 2))); OP_END
OP_BEGIN(full) return wrap(env, at::full(SH(info, 0), S(info, 1), OPTS(info, 2, 3))); OP_END
// the random factories take an optional generator last (none: the default generator)
OP_BEGIN(rand) return wrap(env, at::rand(SH(info, 0), OGEN(info, 3), OPTS(info, 1, 2))); OP_END
OP_BEGIN(randn) return wrap(env, at::randn(SH(info, 0), OGEN(info, 3), OPTS(info, 1, 2))); OP_END
OP_BEGIN(randint) return wrap(env, at::randint(I(info, 0), I(info, 1), SH(info, 2), OGEN(info, 5), OPTS(info, 3, 4))); OP_END
OP_BEGIN(arange) return wrap(env, at::arange(S(info, 0), S(info, 1), S(info, 2), OPTS(info, 3, 4))); OP_END
OP_BEGIN(linspace) return wrap(env, at::linspace(S(info, 0), S(info, 1), I(info, 2), OPTS(info, 3, 4))); OP_END
OP_BEGIN(eye) return wrap(env, at::eye(I(info, 0), I(info, 1), OPTS(info, 2, 3))); OP_END
OP_BEGIN(randperm) return wrap(env, at::randperm(I(info, 0), OGEN(info, 3), OPTS(info, 1, 2))); OP_END
// randpermSeeded(n, seed): a permutation from a private generator, so data shuffling is reproducible and
// leaves the global generator (and so model init and dropout) untouched.
OP_BEGIN(randpermSeeded)
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seedOf(info, 1));
  return wrap(env, at::randperm(I(info, 0), gen, at::TensorOptions().dtype(at::kLong)));
OP_END
// Gamma(concentration, 1) samples, one per element, from the global generator (Beta and Dirichlet build on it).
OP_BEGIN(standardGamma) return wrap(env, at::_standard_gamma(T(info, 0))); OP_END
OP_BEGIN(scalarTensor) return wrap(env, at::scalar_tensor(S(info, 0), OPTS(info, 1, 2))); OP_END

void registerCreation(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, fromTyped);
  EXPORT(exports, zeros);
  EXPORT(exports, ones);
  EXPORT(exports, empty);
  EXPORT(exports, full);
  EXPORT(exports, rand);
  EXPORT(exports, randn);
  EXPORT(exports, randint);
  EXPORT(exports, arange);
  EXPORT(exports, linspace);
  EXPORT(exports, eye);
  EXPORT(exports, randperm);
  EXPORT(exports, scalarTensor);
  EXPORT(exports, randpermSeeded);
  EXPORT(exports, standardGamma);
}

}  // namespace flint
