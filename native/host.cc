// Host reads: item(), toTypedArray() and raw bytes. These are the calls that wait for a GPU.
#include "flint.h"

namespace flint {

OP_BEGIN(item)
  at::Scalar s = T(info, 0).item();
  if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
  if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
  return Napi::Number::New(env, s.toDouble());
OP_END

static napi_typedarray_type arrayTypeOf(at::ScalarType s) {
  switch (s) {
    case at::kFloat: return napi_float32_array;
    case at::kDouble: return napi_float64_array;
    case at::kChar: return napi_int8_array;
    case at::kByte: return napi_uint8_array;
    case at::kBool: return napi_uint8_array;
    case at::kShort: return napi_int16_array;
    case at::kInt: return napi_int32_array;
    case at::kLong: return napi_bigint64_array;
    default: throw ArgError(std::string("no TypedArray for dtype ") + c10::toString(s));
  }
}

static Napi::ArrayBuffer copyToBuffer(Napi::Env env, const at::Tensor& c) {
  size_t n = static_cast<size_t>(c.numel()) * c.element_size();
  auto ab = Napi::ArrayBuffer::New(env, n);
  if (n) std::memcpy(ab.Data(), c.data_ptr(), n);
  return ab;
}

// toTypedArray(t, allowView): float16/bfloat16 read as float32. A CPU, contiguous tensor that needs no grad
// is returned as a zero-copy view that keeps the storage alive (it aliases the tensor, like .numpy()).
OP_BEGIN(toTypedArray)
  at::Tensor c = T(info, 0).detach();
  if (c.scalar_type() == at::kHalf || c.scalar_type() == at::kBFloat16) c = c.to(at::kFloat);
  napi_typedarray_type type = arrayTypeOf(c.scalar_type());
  bool view = B(info, 1) && c.device().is_cpu() && c.is_contiguous() && c.numel() > 0 && !T(info, 0).requires_grad();
  if (!c.device().is_cpu()) c = c.cpu();
  c = c.contiguous();
  size_t n = static_cast<size_t>(c.numel()) * c.element_size();
  Napi::ArrayBuffer ab;
  if (view) {
    auto* keep = new at::Tensor(c);
    ab = Napi::ArrayBuffer::New(env, c.data_ptr(), n, [](Napi::BasicEnv, void*, at::Tensor* k) { delete k; }, keep);
  } else {
    ab = copyToBuffer(env, c);
  }
  napi_value out;
  napi_status st = napi_create_typedarray(env, type, c.numel(), ab, 0, &out);
  if (st != napi_ok) throw ArgError("could not create a TypedArray");
  return Napi::Value(env, out);
OP_END

// bytes(t): a copy of the raw little-endian bytes of the contiguous CPU form (any dtype).
OP_BEGIN(bytes)
  at::Tensor c = T(info, 0).detach().cpu().contiguous();
  return copyToBuffer(env, c);
OP_END

void registerHost(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, item);
  EXPORT(exports, toTypedArray);
  EXPORT(exports, bytes);
}

}  // namespace flint
