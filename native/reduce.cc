// Reductions, scans, sorting and counting.
#include "flint.h"

namespace flint {

// dims: null means "all dims". keepdim with all dims needs the explicit list.
static std::vector<int64_t> allDims(const at::Tensor& a) {
  std::vector<int64_t> d(a.dim());
  for (int64_t k = 0; k < a.dim(); k++) d[k] = k;
  return d;
}
static std::vector<int64_t> dimsOr(const Napi::CallbackInfo& info, size_t i, const at::Tensor& a) {
  auto d = OIL(info, i);
  return d ? *d : allDims(a);
}

// Reductions over a list of dims (null: all): X(name, expression of a, dims and the info arguments).
#define DIM_REDUCTIONS(X)                                                                           \
  X(sum, at::sum(a, dims, B(info, 2), ODT(info, 3))) X(mean, at::mean(a, dims, B(info, 2), ODT(info, 3))) \
  X(amax, at::amax(a, dims, B(info, 2))) X(amin, at::amin(a, dims, B(info, 2)))                   \
  X(logsumexp, at::logsumexp(a, dims, B(info, 2)))                                                \
  X(std, at::std(a, at::OptionalIntArrayRef(dims), B(info, 2), B(info, 3))) /* (a, dims, unbiased, keepdim) */ \
  X(var, at::var(a, at::OptionalIntArrayRef(dims), B(info, 2), B(info, 3)))

#define DEF_DIM_REDUCTION(name, expr)             \
  OP_BEGIN(name)                                  \
    const at::Tensor& a = T(info, 0);             \
    std::vector<int64_t> dims = dimsOr(info, 1, a); \
    return wrap(env, expr);                       \
  OP_END
DIM_REDUCTIONS(DEF_DIM_REDUCTION)

OP_BEGIN(prod)
  const at::Tensor& a = T(info, 0);
  if (isNil(info[1])) {
    at::Tensor r = at::prod(a, ODT(info, 3));
    if (B(info, 2)) r = r.reshape(std::vector<int64_t>(a.dim(), 1));
    return wrap(env, r);
  }
  return wrap(env, at::prod(a, I(info, 1), B(info, 2), ODT(info, 3)));
OP_END
OP_BEGIN(all)
  if (isNil(info[1])) return wrap(env, at::all(T(info, 0)));
  return wrap(env, at::all(T(info, 0), I(info, 1), B(info, 2)));
OP_END
OP_BEGIN(any)
  if (isNil(info[1])) return wrap(env, at::any(T(info, 0)));
  return wrap(env, at::any(T(info, 0), I(info, 1), B(info, 2)));
OP_END
// norm(a, p, dims|null, keepdim)
OP_BEGIN(norm)
  const at::Tensor& a = T(info, 0);
  return wrap(env, at::norm(a, c10::optional<at::Scalar>(S(info, 1)), dimsOr(info, 2, a), B(info, 3)));
OP_END
OP_BEGIN(max) return wrap(env, at::max(T(info, 0))); OP_END
OP_BEGIN(min) return wrap(env, at::min(T(info, 0))); OP_END
OP_BEGIN(maxDim)
  auto r = at::max(T(info, 0), I(info, 1), B(info, 2));
  return wrapList(env, {std::get<0>(r), std::get<1>(r)});
OP_END
OP_BEGIN(minDim)
  auto r = at::min(T(info, 0), I(info, 1), B(info, 2));
  return wrapList(env, {std::get<0>(r), std::get<1>(r)});
OP_END
OP_BEGIN(argmax) return wrap(env, at::argmax(T(info, 0), OI(info, 1), B(info, 2))); OP_END
OP_BEGIN(argmin) return wrap(env, at::argmin(T(info, 0), OI(info, 1), B(info, 2))); OP_END
OP_BEGIN(cumsum) return wrap(env, at::cumsum(T(info, 0), I(info, 1), ODT(info, 2))); OP_END
OP_BEGIN(cumprod) return wrap(env, at::cumprod(T(info, 0), I(info, 1), ODT(info, 2))); OP_END
OP_BEGIN(topk)
  auto r = at::topk(T(info, 0), I(info, 1), I(info, 2), B(info, 3), B(info, 4));
  return wrapList(env, {std::get<0>(r), std::get<1>(r)});
OP_END
// sort(a, dim, descending, stable)
OP_BEGIN(sort)
  auto r = at::sort(T(info, 0), c10::optional<bool>(B(info, 3)), I(info, 1), B(info, 2));
  return wrapList(env, {std::get<0>(r), std::get<1>(r)});
OP_END
OP_BEGIN(unique)
  auto r = at::_unique2(T(info, 0), B(info, 1), B(info, 2), B(info, 3));
  return wrapList(env, {std::get<0>(r), std::get<1>(r), std::get<2>(r)});
OP_END
OP_BEGIN(bincount) return wrap(env, at::bincount(T(info, 0), OOT(info, 1), I(info, 2))); OP_END
OP_BEGIN(median) return wrap(env, at::median(T(info, 0))); OP_END
OP_BEGIN(histc) return wrap(env, at::histc(T(info, 0), I(info, 1), D(info, 2), D(info, 3))); OP_END
OP_BEGIN(countNonzero) return wrap(env, at::count_nonzero(T(info, 0), OI(info, 1))); OP_END

void registerReduce(Napi::Env env, Napi::Object exports) {
#define EXP(name, ...) EXPORT(exports, name);
  DIM_REDUCTIONS(EXP)
#undef EXP
  EXPORT(exports, prod);
  EXPORT(exports, all); EXPORT(exports, any); EXPORT(exports, norm); EXPORT(exports, max); EXPORT(exports, min);
  EXPORT(exports, maxDim); EXPORT(exports, minDim); EXPORT(exports, argmax); EXPORT(exports, argmin);
  EXPORT(exports, cumsum); EXPORT(exports, cumprod); EXPORT(exports, topk); EXPORT(exports, sort);
  EXPORT(exports, unique); EXPORT(exports, bincount); EXPORT(exports, median); EXPORT(exports, countNonzero);
  EXPORT(exports, histc);
}

}  // namespace flint
