// Host reads: item(), toTypedArray() and raw bytes. These are the calls that wait for a GPU.
#include "flint.h"

#include <cstdlib>
#include <cstring>

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
    default: throw ArgError("argument 0", "a tensor whose dtype has a TypedArray", c10::toString(s));
  }
}

// V8's and Node's limits, checked before anything is allocated:
// - a TypedArray holds at most 2^32 elements (v8::TypedArray::kMaxLength on 64-bit, Node 20-22);
// - Node makes external ArrayBuffers of at most 2^32 bytes (node::Buffer::kMaxLength); past that it refuses
//   and frees the data itself through the finalizer, so those sizes take the copying path instead;
// - Flint reads at most 2^53 - 1 bytes at once (Number.MAX_SAFE_INTEGER, the largest length JS can index).
constexpr uint64_t kMaxTypedArrayLength = uint64_t{1} << 32;
constexpr uint64_t kMaxExternalBytes = uint64_t{1} << 32;
constexpr uint64_t kMaxHostBytes = (uint64_t{1} << 53) - 1;

static std::string sizeText(uint64_t n, const char* unit) {
  return std::to_string(n) + " " + unit;
}

// Node calls the finalizer itself when it refuses an external buffer; this says whether it did, so the
// failure path frees the tensor exactly once.
static void* gLastFreed = nullptr;
static void freeKept(Napi::node_addon_api_basic_env, void*, void* hint) {
  gLastFreed = hint;
  delete static_cast<at::Tensor*>(hint);
}

// A V8-owned copy, for reads larger than an external buffer may be. V8 ends the process when it cannot
// allocate an ArrayBuffer, so the C allocator is asked first (it fails cleanly, and touches no page).
static Napi::Value copiedBuffer(Napi::Env env, const at::Tensor& c, uint64_t n) {
  void* probe = std::malloc(n);
  if (probe == nullptr) throw std::runtime_error("cannot allocate " + sizeText(n, "bytes") + " of host memory");
  std::free(probe);
  void* data = nullptr;
  napi_value ab;
  if (napi_create_arraybuffer(env, n, &data, &ab) != napi_ok) {
    throw std::runtime_error("could not create an ArrayBuffer of " + sizeText(n, "bytes"));
  }
  std::memcpy(data, c.data_ptr(), n);
  return Napi::Value(env, ab);
}

// The host memory behind a tensor read. Up to 2^32 bytes: an external ArrayBuffer over c's own (CPU,
// contiguous) storage, kept alive by a reference to c, so a read too large for memory fails in libtorch's
// allocator (a TorchError) rather than in V8 (a fatal error). `copy` clones c first when it may alias the
// caller's tensor.
static Napi::Value hostBuffer(Napi::Env env, at::Tensor c, bool copy) {
  uint64_t n = static_cast<uint64_t>(c.numel()) * c.element_size();
  if (n > kMaxHostBytes) throw ArgError("argument 0", "a tensor of at most 2^53 - 1 bytes", sizeText(n, "bytes"));
  napi_value ab;
  if (n == 0) {
    if (napi_create_arraybuffer(env, 0, nullptr, &ab) != napi_ok) throw std::runtime_error("could not create an ArrayBuffer");
    return Napi::Value(env, ab);
  }
  if (n > kMaxExternalBytes) return copiedBuffer(env, c, n);
  if (copy) c = c.clone();
  auto* keep = new at::Tensor(c);
  gLastFreed = nullptr;
  napi_status st = napi_create_external_arraybuffer(env, keep->data_ptr(), n, freeKept, keep, &ab);
  if (st != napi_ok) {
    if (gLastFreed != keep) delete keep;
    throw std::runtime_error("could not create an ArrayBuffer of " + sizeText(n, "bytes") + " (napi status " +
                             std::to_string(static_cast<int>(st)) + ")");
  }
  return Napi::Value(env, ab);
}

// toTypedArray(t, allowView): float16/bfloat16 read as float32. A CPU, contiguous tensor that needs no grad
// is returned as a zero-copy view that keeps the storage alive (it aliases the tensor, like .numpy()).
OP_BEGIN(toTypedArray)
  const at::Tensor& t = T(info, 0);
  bool allowView = B(info, 1);
  at::ScalarType readAs = (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) ? at::kFloat : t.scalar_type();
  napi_typedarray_type type = arrayTypeOf(readAs);
  uint64_t numel = static_cast<uint64_t>(t.numel());
  if (numel > kMaxTypedArrayLength) {
    throw ArgError("argument 0", "a tensor of at most 2^32 elements (V8's TypedArray limit; read it in slices)",
                   sizeText(numel, "elements"));
  }
  at::Tensor c = t.detach();
  if (readAs != c.scalar_type()) c = c.to(readAs);
  bool view = allowView && c.device().is_cpu() && c.is_contiguous() && c.numel() > 0 && !t.requires_grad();
  if (!c.device().is_cpu()) c = c.cpu();
  c = c.contiguous();
  // A copy is needed unless asked for a view or c is already a fresh tensor (converted, moved, made contiguous).
  bool aliases = c.numel() > 0 && t.numel() > 0 && c.storage().is_alias_of(t.storage());
  Napi::Value ab = hostBuffer(env, c, !view && aliases);
  napi_value out;
  napi_status st = napi_create_typedarray(env, type, static_cast<size_t>(numel), ab, 0, &out);
  if (st != napi_ok) {
    throw ArgError("argument 0", "a tensor V8 can hold in one TypedArray", sizeText(numel, "elements") +
                   " (napi status " + std::to_string(static_cast<int>(st)) + ")");
  }
  return Napi::Value(env, out);
OP_END

// bytes(t): a copy of the raw little-endian bytes of the contiguous CPU form (any dtype).
OP_BEGIN(bytes)
  const at::Tensor& t = T(info, 0);
  at::Tensor c = t.detach().cpu().contiguous();
  bool aliases = c.numel() > 0 && t.numel() > 0 && c.storage().is_alias_of(t.storage());
  return hostBuffer(env, c, aliases);
OP_END

void registerHost(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, item);
  EXPORT(exports, toTypedArray);
  EXPORT(exports, bytes);
}

}  // namespace flint
