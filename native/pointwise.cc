// Elementwise math, comparison, logic, activations, conversions and the in-place forms.
#include "flint.h"

namespace flint {

// ---- unary: f(a) -> new tensor ----
#define UNARY_OPS(X)                                                                               \
  X(neg, at::neg(a)) X(abs, at::abs(a)) X(exp, at::exp(a)) X(expm1, at::expm1(a)) X(log, at::log(a))  \
  X(log1p, at::log1p(a)) X(log2, at::log2(a)) X(log10, at::log10(a)) X(sqrt, at::sqrt(a))            \
  X(rsqrt, at::rsqrt(a)) X(square, at::square(a)) X(sin, at::sin(a)) X(cos, at::cos(a))              \
  X(tan, at::tan(a)) X(asin, at::asin(a)) X(acos, at::acos(a)) X(atan, at::atan(a))                  \
  X(sinh, at::sinh(a)) X(cosh, at::cosh(a)) X(tanh, at::tanh(a)) X(sigmoid, at::sigmoid(a))          \
  X(relu, at::relu(a)) X(silu, at::silu(a)) X(mish, at::mish(a)) X(selu, at::selu(a))                \
  X(logSigmoid, at::log_sigmoid(a)) X(hardsigmoid, at::hardsigmoid(a)) X(hardswish, at::hardswish(a)) \
  X(floor, at::floor(a)) X(ceil, at::ceil(a)) X(round, at::round(a)) X(trunc, at::trunc(a))          \
  X(frac, at::frac(a)) X(sign, at::sign(a)) X(reciprocal, at::reciprocal(a)) X(erf, at::erf(a))      \
  X(erfinv, at::erfinv(a)) X(isnan, at::isnan(a)) X(isinf, at::isinf(a)) X(isfinite, at::isfinite(a)) \
  X(logicalNot, at::logical_not(a)) X(bitwiseNot, at::bitwise_not(a)) X(clone, a.clone())            \
  X(contiguous, a.contiguous()) X(detach, a.detach()) X(t, a.t()) X(nonzero, at::nonzero(a))

#define DEF_UNARY(name, expr) \
  OP_BEGIN(name)              \
    const at::Tensor& a = T(info, 0); \
    return wrap(env, expr);   \
  OP_END
UNARY_OPS(DEF_UNARY)

// ---- unary in place: f_(a), returns nothing (JS returns the same tensor) ----
#define UNARY_INPLACE_OPS(X)                                                                                \
  X(neg_, a.neg_()) X(abs_, a.abs_()) X(exp_, a.exp_()) X(log_, a.log_()) X(sqrt_, a.sqrt_())              \
  X(sigmoid_, a.sigmoid_()) X(tanh_, a.tanh_()) X(relu_, a.relu_()) X(zero_, a.zero_()) X(floor_, a.floor_()) \
  X(ceil_, a.ceil_()) X(round_, a.round_()) X(reciprocal_, a.reciprocal_()) X(square_, a.square_())        \
  X(detach_, a.detach_())

#define DEF_UNARY_INPLACE(name, expr) \
  OP_BEGIN(name)                      \
    const at::Tensor& a = T(info, 0); \
    expr;                             \
    return env.Undefined();           \
  OP_END
UNARY_INPLACE_OPS(DEF_UNARY_INPLACE)

// ---- binary with broadcasting: b may be a tensor or a number (a wrapped-number tensor) ----
#define BINARY_OPS(X)                                                                                     \
  X(mul, at::mul(a, b)) X(remainder, at::remainder(a, b)) X(fmod, at::fmod(a, b)) X(pow, at::pow(a, b))   \
  X(eq, at::eq(a, b)) X(ne, at::ne(a, b)) X(lt, at::lt(a, b)) X(le, at::le(a, b)) X(gt, at::gt(a, b))     \
  X(ge, at::ge(a, b)) X(maximum, at::maximum(a, b)) X(minimum, at::minimum(a, b))                         \
  X(logicalAnd, at::logical_and(a, b)) X(logicalOr, at::logical_or(a, b)) X(logicalXor, at::logical_xor(a, b)) \
  X(atan2, at::atan2(a, b)) X(bitwiseAnd, at::bitwise_and(a, b)) X(bitwiseOr, at::bitwise_or(a, b))      \
  X(bitwiseXor, at::bitwise_xor(a, b)) X(isclose, at::isclose(a, b, D(info, 2), D(info, 3), B(info, 4)))  \
  X(matmul, at::matmul(a, b)) X(mm, at::mm(a, b)) X(bmm, at::bmm(a, b)) X(outer, at::outer(a, b))         \
  X(dot, at::dot(a, b))

#define DEF_BINARY(name, expr)        \
  OP_BEGIN(name)                      \
    const at::Tensor& a = T(info, 0); \
    at::Tensor b = TS(info, 1);       \
    return wrap(env, expr);           \
  OP_END
BINARY_OPS(DEF_BINARY)

#define BINARY_INPLACE_OPS(X) \
  X(mul_, a.mul_(b)) X(pow_, a.pow_(b)) X(remainder_, a.remainder_(b)) X(copy_, a.copy_(b)) \
  X(maximum_, a.copy_(at::maximum(a, b))) X(minimum_, a.copy_(at::minimum(a, b)))

#define DEF_BINARY_INPLACE(name, expr) \
  OP_BEGIN(name)                       \
    const at::Tensor& a = T(info, 0);  \
    at::Tensor b = TS(info, 1);        \
    expr;                              \
    return env.Undefined();            \
  OP_END
BINARY_INPLACE_OPS(DEF_BINARY_INPLACE)

static at::Scalar alphaOf(const Napi::CallbackInfo& info, size_t i) {
  return (info.Length() <= i || isNil(info[i])) ? at::Scalar(1) : S(info, i);
}
static c10::optional<c10::string_view> modeOf(const Napi::CallbackInfo& info, size_t i, std::string& keep) {
  if (info.Length() <= i || isNil(info[i])) return c10::nullopt;
  keep = Str(info, i);
  if (keep != "trunc" && keep != "floor") throw ArgError("rounding mode", "'trunc', 'floor' or null", "'" + keep + "'");
  return c10::string_view(keep);
}

OP_BEGIN(add) return wrap(env, at::add(T(info, 0), TS(info, 1), alphaOf(info, 2))); OP_END
OP_BEGIN(sub) return wrap(env, at::sub(T(info, 0), TS(info, 1), alphaOf(info, 2))); OP_END
OP_BEGIN(add_) T(info, 0).add_(TS(info, 1), alphaOf(info, 2)); return env.Undefined(); OP_END
OP_BEGIN(sub_) T(info, 0).sub_(TS(info, 1), alphaOf(info, 2)); return env.Undefined(); OP_END
OP_BEGIN(div)
  std::string keep;
  return wrap(env, at::div(T(info, 0), TS(info, 1), modeOf(info, 2, keep)));
OP_END
OP_BEGIN(div_)
  std::string keep;
  T(info, 0).div_(TS(info, 1), modeOf(info, 2, keep));
  return env.Undefined();
OP_END
OP_BEGIN(rpow) return wrap(env, at::pow(S(info, 0), T(info, 1))); OP_END

OP_BEGIN(where) return wrap(env, at::where(T(info, 0), TS(info, 1), TS(info, 2))); OP_END
OP_BEGIN(lerp)
  if (isTensorArg(info, 2)) return wrap(env, at::lerp(T(info, 0), T(info, 1), T(info, 2)));
  return wrap(env, at::lerp(T(info, 0), T(info, 1), S(info, 2)));
OP_END
OP_BEGIN(lerp_)
  if (isTensorArg(info, 2)) T(info, 0).lerp_(T(info, 1), T(info, 2));
  else T(info, 0).lerp_(T(info, 1), S(info, 2));
  return env.Undefined();
OP_END

// clamp(a, min, max): each bound a number, a tensor or null.
static bool anyTensor(const Napi::CallbackInfo& info) {
  return (info.Length() > 1 && isTensorArg(info, 1)) || (info.Length() > 2 && isTensorArg(info, 2));
}
static c10::optional<at::Tensor> boundTensor(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || isNil(info[i])) return c10::nullopt;
  return TS(info, i);
}
OP_BEGIN(clamp)
  if (anyTensor(info)) return wrap(env, at::clamp(T(info, 0), boundTensor(info, 1), boundTensor(info, 2)));
  return wrap(env, at::clamp(T(info, 0), OS(info, 1), OS(info, 2)));
OP_END
OP_BEGIN(clamp_)
  if (anyTensor(info)) T(info, 0).clamp_(boundTensor(info, 1), boundTensor(info, 2));
  else T(info, 0).clamp_(OS(info, 1), OS(info, 2));
  return env.Undefined();
OP_END

OP_BEGIN(addcmul) return wrap(env, at::addcmul(T(info, 0), T(info, 1), T(info, 2), S(info, 3))); OP_END
OP_BEGIN(addcdiv) return wrap(env, at::addcdiv(T(info, 0), T(info, 1), T(info, 2), S(info, 3))); OP_END
OP_BEGIN(addcmul_) T(info, 0).addcmul_(T(info, 1), T(info, 2), S(info, 3)); return env.Undefined(); OP_END
OP_BEGIN(addcdiv_) T(info, 0).addcdiv_(T(info, 1), T(info, 2), S(info, 3)); return env.Undefined(); OP_END
OP_BEGIN(fill_)
  if (isTensorArg(info, 1)) T(info, 0).fill_(T(info, 1));
  else T(info, 0).fill_(S(info, 1));
  return env.Undefined();
OP_END
// with an optional generator last
OP_BEGIN(uniform_) T(info, 0).uniform_(D(info, 1), D(info, 2), OGEN(info, 3)); return env.Undefined(); OP_END
OP_BEGIN(normal_) T(info, 0).normal_(D(info, 1), D(info, 2), OGEN(info, 3)); return env.Undefined(); OP_END
OP_BEGIN(bernoulli_) T(info, 0).bernoulli_(D(info, 1), OGEN(info, 2)); return env.Undefined(); OP_END
OP_BEGIN(maskedFill)
  if (isTensorArg(info, 2)) return wrap(env, at::masked_fill(T(info, 0), T(info, 1), T(info, 2)));
  return wrap(env, at::masked_fill(T(info, 0), T(info, 1), S(info, 2)));
OP_END
OP_BEGIN(maskedFill_)
  if (isTensorArg(info, 2)) T(info, 0).masked_fill_(T(info, 1), T(info, 2));
  else T(info, 0).masked_fill_(T(info, 1), S(info, 2));
  return env.Undefined();
OP_END

// ---- activations with parameters ----
OP_BEGIN(gelu)
  std::string approx = (info.Length() > 1 && !isNil(info[1])) ? Str(info, 1) : "none";
  if (approx != "none" && approx != "tanh") throw ArgError("approximate", "'none' or 'tanh'", "'" + approx + "'");
  return wrap(env, at::gelu(T(info, 0), approx));
OP_END
// logit(a, eps | null): log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given (one pass)
OP_BEGIN(logit) return wrap(env, at::logit(T(info, 0), OD(info, 1))); OP_END
OP_BEGIN(leakyRelu) return wrap(env, at::leaky_relu(T(info, 0), S(info, 1))); OP_END
OP_BEGIN(softplus) return wrap(env, at::softplus(T(info, 0), S(info, 1), S(info, 2))); OP_END
OP_BEGIN(elu) return wrap(env, at::elu(T(info, 0), S(info, 1))); OP_END
OP_BEGIN(hardtanh) return wrap(env, at::hardtanh(T(info, 0), S(info, 1), S(info, 2))); OP_END
OP_BEGIN(softmax) return wrap(env, at::softmax(T(info, 0), I(info, 1), ODT(info, 2))); OP_END
OP_BEGIN(logSoftmax) return wrap(env, at::log_softmax(T(info, 0), I(info, 1), ODT(info, 2))); OP_END

// ---- whole-tensor comparisons returning a boolean ----
OP_BEGIN(allclose) return Napi::Boolean::New(env, at::allclose(T(info, 0), T(info, 1), D(info, 2), D(info, 3), B(info, 4))); OP_END
OP_BEGIN(equal) return Napi::Boolean::New(env, at::equal(T(info, 0), T(info, 1))); OP_END

// to(a, dtype | null, device | null, copy)
OP_BEGIN(to)
  const at::Tensor& a = T(info, 0);
  at::ScalarType dt = isNil(info[1]) ? a.scalar_type() : DT(info, 1);
  c10::Device dev = isNil(info[2]) ? a.device() : DEV(info, 2);
  return wrap(env, a.to(dev, dt, /*non_blocking=*/false, /*copy=*/B(info, 3)));
OP_END

void registerPointwise(Napi::Env env, Napi::Object exports) {
#define EXP(name, ...) EXPORT(exports, name);
  UNARY_OPS(EXP)
  UNARY_INPLACE_OPS(EXP)
  BINARY_OPS(EXP)
  BINARY_INPLACE_OPS(EXP)
#undef EXP
  EXPORT(exports, add);
  EXPORT(exports, sub);
  EXPORT(exports, add_);
  EXPORT(exports, sub_);
  EXPORT(exports, div);
  EXPORT(exports, div_);
  EXPORT(exports, rpow);
  EXPORT(exports, where);
  EXPORT(exports, lerp);
  EXPORT(exports, lerp_);
  EXPORT(exports, clamp);
  EXPORT(exports, clamp_);
  EXPORT(exports, logit);
  EXPORT(exports, addcmul);
  EXPORT(exports, addcdiv);
  EXPORT(exports, addcmul_);
  EXPORT(exports, addcdiv_);
  EXPORT(exports, fill_);
  EXPORT(exports, uniform_);
  EXPORT(exports, normal_);
  EXPORT(exports, bernoulli_);
  EXPORT(exports, maskedFill);
  EXPORT(exports, maskedFill_);
  EXPORT(exports, gelu);
  EXPORT(exports, leakyRelu);
  EXPORT(exports, softplus);
  EXPORT(exports, elu);
  EXPORT(exports, hardtanh);
  EXPORT(exports, softmax);
  EXPORT(exports, logSoftmax);
  EXPORT(exports, allclose);
  EXPORT(exports, equal);
  EXPORT(exports, to);
}

}  // namespace flint
