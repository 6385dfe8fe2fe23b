// Views, reshaping, indexing, joining and splitting.
#include "flint.h"

namespace flint {

// alias(t): a second handle on the same tensor (shared storage and autograd identity), for typed wrappers
OP_BEGIN(alias) return wrap(env, T(info, 0)); OP_END
OP_BEGIN(reshape) return wrap(env, T(info, 0).reshape(IL(info, 1))); OP_END
OP_BEGIN(view) return wrap(env, T(info, 0).view(IL(info, 1))); OP_END
OP_BEGIN(flatten) return wrap(env, T(info, 0).flatten(I(info, 1), I(info, 2))); OP_END
OP_BEGIN(unflatten) return wrap(env, T(info, 0).unflatten(I(info, 1), IL(info, 2))); OP_END
OP_BEGIN(squeeze)
  if (info.Length() < 2 || isNil(info[1])) return wrap(env, T(info, 0).squeeze());
  return wrap(env, T(info, 0).squeeze(I(info, 1)));
OP_END
OP_BEGIN(unsqueeze) return wrap(env, T(info, 0).unsqueeze(I(info, 1))); OP_END
OP_BEGIN(permute) return wrap(env, T(info, 0).permute(IL(info, 1))); OP_END
OP_BEGIN(transpose) return wrap(env, T(info, 0).transpose(I(info, 1), I(info, 2))); OP_END
OP_BEGIN(movedim) return wrap(env, T(info, 0).movedim(I(info, 1), I(info, 2))); OP_END
OP_BEGIN(expand) return wrap(env, T(info, 0).expand(IL(info, 1))); OP_END
OP_BEGIN(repeat) return wrap(env, T(info, 0).repeat(IL(info, 1))); OP_END
OP_BEGIN(narrow) return wrap(env, T(info, 0).narrow(I(info, 1), I(info, 2), I(info, 3))); OP_END
OP_BEGIN(select) return wrap(env, T(info, 0).select(I(info, 1), I(info, 2))); OP_END
OP_BEGIN(slice) return wrap(env, T(info, 0).slice(I(info, 1), OI(info, 2), OI(info, 3), I(info, 4))); OP_END
OP_BEGIN(diagonal) return wrap(env, T(info, 0).diagonal(I(info, 1), I(info, 2), I(info, 3))); OP_END

// index(a, indices): one entry per leading dim, a tensor (integer or boolean) or null for "all".
static c10::List<c10::optional<at::Tensor>> indexList(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw ArgError(argName(i), "an array of tensors or nulls (indices)", describeArg(info, i));
  auto arr = info[i].As<Napi::Array>();
  c10::List<c10::optional<at::Tensor>> out;
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value e = arr.Get(k);
    if (isNil(e)) {
      out.push_back(c10::nullopt);
    } else {
      Handle* h = handleOf(e, i);
      if (!h->t.defined()) throw ArgError(argName(i) + ", element " + std::to_string(k), "a live tensor", "a disposed tensor");
      out.push_back(h->t);
    }
  }
  return out;
}
OP_BEGIN(index) return wrap(env, at::index(T(info, 0), indexList(info, 1))); OP_END
OP_BEGIN(indexPut_)
  T(info, 0).index_put_(indexList(info, 1), TS(info, 2), B(info, 3));
  return env.Undefined();
OP_END
OP_BEGIN(indexSelect) return wrap(env, at::index_select(T(info, 0), I(info, 1), T(info, 2))); OP_END
OP_BEGIN(maskedSelect) return wrap(env, at::masked_select(T(info, 0), T(info, 1))); OP_END
OP_BEGIN(gather) return wrap(env, at::gather(T(info, 0), I(info, 1), T(info, 2))); OP_END
OP_BEGIN(scatter)
  if (isTensorArg(info, 3)) return wrap(env, at::scatter(T(info, 0), I(info, 1), T(info, 2), T(info, 3)));
  return wrap(env, at::scatter(T(info, 0), I(info, 1), T(info, 2), S(info, 3)));
OP_END
OP_BEGIN(scatterAdd) return wrap(env, at::scatter_add(T(info, 0), I(info, 1), T(info, 2), T(info, 3))); OP_END
OP_BEGIN(cat) return wrap(env, at::cat(TL(info, 0), I(info, 1))); OP_END
OP_BEGIN(stack) return wrap(env, at::stack(TL(info, 0), I(info, 1))); OP_END
OP_BEGIN(split)
  if (info[1].IsArray()) return wrapList(env, T(info, 0).split_with_sizes(IL(info, 1), I(info, 2)));
  return wrapList(env, T(info, 0).split(I(info, 1), I(info, 2)));
OP_END
OP_BEGIN(chunk) return wrapList(env, T(info, 0).chunk(I(info, 1), I(info, 2))); OP_END
OP_BEGIN(unbind) return wrapList(env, T(info, 0).unbind(I(info, 1))); OP_END
OP_BEGIN(flip) return wrap(env, at::flip(T(info, 0), IL(info, 1))); OP_END
OP_BEGIN(roll) return wrap(env, at::roll(T(info, 0), IL(info, 1), IL(info, 2))); OP_END
OP_BEGIN(tril) return wrap(env, at::tril(T(info, 0), I(info, 1))); OP_END
OP_BEGIN(triu) return wrap(env, at::triu(T(info, 0), I(info, 1))); OP_END

void registerShape(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, alias); EXPORT(exports, reshape); EXPORT(exports, view); EXPORT(exports, flatten); EXPORT(exports, unflatten);
  EXPORT(exports, squeeze); EXPORT(exports, unsqueeze); EXPORT(exports, permute); EXPORT(exports, transpose);
  EXPORT(exports, movedim); EXPORT(exports, expand); EXPORT(exports, repeat); EXPORT(exports, narrow);
  EXPORT(exports, select); EXPORT(exports, slice); EXPORT(exports, diagonal); EXPORT(exports, index);
  EXPORT(exports, indexPut_); EXPORT(exports, indexSelect); EXPORT(exports, maskedSelect); EXPORT(exports, gather);
  EXPORT(exports, scatter); EXPORT(exports, scatterAdd); EXPORT(exports, cat); EXPORT(exports, stack);
  EXPORT(exports, split); EXPORT(exports, chunk); EXPORT(exports, unbind); EXPORT(exports, flip);
  EXPORT(exports, roll); EXPORT(exports, tril); EXPORT(exports, triu);
}

}  // namespace flint
