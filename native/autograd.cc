// Autograd: backward, gradients, leaf flags, and torch.autograd.grad.
#include "flint.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>

namespace flint {

// backward(t, gradient|null, retainGraph|null, createGraph)
OP_BEGIN(backward)
  const at::Tensor& a = T(info, 0);
  c10::optional<bool> retain;
  if (info.Length() > 2 && !isNil(info[2])) retain = B(info, 2);
  a.backward(OT(info, 1), retain, info.Length() > 3 && !isNil(info[3]) && B(info, 3));
  return env.Undefined();
OP_END
OP_BEGIN(grad) return wrap(env, T(info, 0).grad()); OP_END
OP_BEGIN(setGrad)
  const at::Tensor& a = T(info, 0);
  at::Tensor g = OT(info, 1);
  if (g.defined()) {
    if (g.sizes() != a.sizes()) throw ArgError("grad", "a tensor of shape " + c10::str(a.sizes()), "shape " + c10::str(g.sizes()));
    if (g.scalar_type() != a.scalar_type() || g.device() != a.device()) {
      throw ArgError("grad", "a tensor of the tensor's dtype and device (" + describeValue(info[0]) + ")", describeValue(info[1]));
    }
  }
  a.mutable_grad() = g;
  return env.Undefined();
OP_END
// setData_(param, src): the tensor takes src's data (dtype, device, values) and keeps its identity and
// autograd flags, as PyTorch's `param.data = src` (what Module.to relies on).
OP_BEGIN(setData_)
  T(info, 0).set_data(T(info, 1));
  return env.Undefined();
OP_END
OP_BEGIN(retainGrad) T(info, 0).retain_grad(); return env.Undefined(); OP_END
OP_BEGIN(requiresGrad_) T(info, 0).requires_grad_(B(info, 1)); return env.Undefined(); OP_END
OP_BEGIN(gradFnName)
  const auto& fn = T(info, 0).grad_fn();
  if (!fn) return env.Null();
  return Napi::String::New(env, fn->name());
OP_END

// autogradGrad(outputs, inputs, gradOutputs|null, retainGraph|null, createGraph, allowUnused)
OP_BEGIN(autogradGrad)
  auto outputs = TL(info, 0);
  auto inputs = TL(info, 1);
  std::vector<at::Tensor> gradOutputs;
  if (!isNil(info[2])) gradOutputs = TL(info, 2);
  c10::optional<bool> retain;
  if (!isNil(info[3])) retain = B(info, 3);
  auto r = torch::autograd::grad(outputs, inputs, gradOutputs, retain, B(info, 4), B(info, 5));
  return wrapList(env, r);
OP_END

// ---- multi-tensor (_foreach_*) updates: an optimizer step over many parameters in a few native calls ----
#define HAVE_FOREACH_LERP (TORCH_VERSION_MAJOR >= 2)

OP_BEGIN(foreachAdd_)
  auto xs = TL(info, 0);
  if (info[1].IsArray()) at::_foreach_add_(xs, TL(info, 1), S(info, 2));
  else at::_foreach_add_(xs, S(info, 1));
  return env.Undefined();
OP_END
OP_BEGIN(foreachMul_)
  auto xs = TL(info, 0);
  if (info[1].IsArray()) {
    auto arr = info[1].As<Napi::Array>();
    if (arr.Length() > 0 && arr.Get(0u).IsNumber()) at::_foreach_mul_(xs, SL(info, 1));
    else at::_foreach_mul_(xs, TL(info, 1));
  } else {
    at::_foreach_mul_(xs, S(info, 1));
  }
  return env.Undefined();
OP_END
OP_BEGIN(foreachDiv_)
  auto xs = TL(info, 0);
  if (info[1].IsArray()) at::_foreach_div_(xs, TL(info, 1));
  else at::_foreach_div_(xs, S(info, 1));
  return env.Undefined();
OP_END
// foreachAddcmul_/Addcdiv_(xs, t1s, t2s, value | values[])
OP_BEGIN(foreachAddcmul_)
  auto xs = TL(info, 0);
  if (info[3].IsArray()) at::_foreach_addcmul_(xs, TL(info, 1), TL(info, 2), SL(info, 3));
  else at::_foreach_addcmul_(xs, TL(info, 1), TL(info, 2), S(info, 3));
  return env.Undefined();
OP_END
OP_BEGIN(foreachAddcdiv_)
  auto xs = TL(info, 0);
  if (info[3].IsArray()) at::_foreach_addcdiv_(xs, TL(info, 1), TL(info, 2), SL(info, 3));
  else at::_foreach_addcdiv_(xs, TL(info, 1), TL(info, 2), S(info, 3));
  return env.Undefined();
OP_END
OP_BEGIN(foreachSqrt) return wrapList(env, at::_foreach_sqrt(TL(info, 0))); OP_END
OP_BEGIN(foreachSqrt_) at::_foreach_sqrt_(TL(info, 0)); return env.Undefined(); OP_END
OP_BEGIN(foreachZero_) at::_foreach_zero_(TL(info, 0)); return env.Undefined(); OP_END
OP_BEGIN(foreachNorm) return wrapList(env, at::_foreach_norm(TL(info, 0), S(info, 1))); OP_END
OP_BEGIN(foreachLerp_)
  auto xs = TL(info, 0);
  auto ends = TL(info, 1);
  at::Scalar w = S(info, 2);
#if HAVE_FOREACH_LERP
  at::_foreach_lerp_(xs, ends, w);
#else
  if (xs.size() != ends.size()) throw ArgError(argName(1), "a list of " + std::to_string(xs.size()) + " tensors", std::to_string(ends.size()) + " tensors");
  for (size_t i = 0; i < xs.size(); i++) xs[i].lerp_(ends[i], w);
#endif
  return env.Undefined();
OP_END
OP_BEGIN(foreachCopy_)
  auto xs = TL(info, 0);
  auto src = TL(info, 1);
  if (xs.size() != src.size()) throw ArgError(argName(1), "a list of " + std::to_string(xs.size()) + " tensors", std::to_string(src.size()) + " tensors");
  for (size_t i = 0; i < xs.size(); i++) xs[i].copy_(src[i]);
  return env.Undefined();
OP_END

void registerAutograd(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, backward); EXPORT(exports, grad); EXPORT(exports, setGrad); EXPORT(exports, retainGrad); EXPORT(exports, setData_);
  EXPORT(exports, requiresGrad_); EXPORT(exports, gradFnName); EXPORT(exports, autogradGrad);
  EXPORT(exports, foreachAdd_); EXPORT(exports, foreachMul_); EXPORT(exports, foreachDiv_);
  EXPORT(exports, foreachAddcmul_); EXPORT(exports, foreachAddcdiv_); EXPORT(exports, foreachSqrt);
  EXPORT(exports, foreachSqrt_); EXPORT(exports, foreachZero_); EXPORT(exports, foreachNorm);
  EXPORT(exports, foreachLerp_); EXPORT(exports, foreachCopy_);
  exports.Set("hasNativeForeachLerp", Napi::Boolean::New(env, HAVE_FOREACH_LERP));
}

}  // namespace flint
