// Image decoding (JPEG with libjpeg-turbo, PNG with libpng, WebP with libwebp) on a libuv worker thread.
// decodeImage(bytes, mode) copies the bytes, decodes them off the JS thread into a uint8 [C, H, W] tensor and
// settles a Promise on the main thread, where the tensor gets its handle (so scopes and memory() see it).
// imageInfo(bytes) reads only the header. Both libraries report errors by longjmp back to the setjmp in the
// decode function (never exit()); no C++ object with a destructor lives in the frames a longjmp skips.
#include "flint.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/decode.h>

namespace flint {

namespace {

constexpr uint64_t kMaxPixels = uint64_t{1} << 28;  // refused before any pixel buffer is allocated

enum class Format { Unknown, Jpeg, Png, Webp };
enum class Mode { RGB, L, RGBA, Unchanged };

const char* formatName(Format f) {
  switch (f) {
    case Format::Jpeg: return "JPEG";
    case Format::Png: return "PNG";
    case Format::Webp: return "WebP";
    default: return "unknown";
  }
}

// A decode failure: the format and the library's reason, for the JS layer's message.
struct DecodeError : std::runtime_error {
  Format format;
  DecodeError(Format f, const std::string& why) : std::runtime_error(why), format(f) {}
};

Format sniff(const uint8_t* p, size_t n) {
  if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return Format::Jpeg;
  static const uint8_t png[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n >= 8 && std::memcmp(p, png, 8) == 0) return Format::Png;
  if (n >= 12 && std::memcmp(p, "RIFF", 4) == 0 && std::memcmp(p + 8, "WEBP", 4) == 0) return Format::Webp;
  return Format::Unknown;
}

void checkSize(Format f, uint64_t w, uint64_t h) {
  if (w == 0 || h == 0) throw DecodeError(f, "the image has no pixels (" + std::to_string(w) + "x" + std::to_string(h) + ")");
  if (w * h > kMaxPixels) {
    throw DecodeError(f, "the image claims " + std::to_string(w) + "x" + std::to_string(h) +
                             " pixels, more than the 2^28 Flint decodes");
  }
}

// Interleaved pixels straight from a decoder: nc channels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).
struct Raw {
  std::vector<uint8_t> px;
  int64_t w = 0, h = 0;
  int nc = 0;
  int orientation = 1;  // EXIF tag 0x0112 (JPEG only), 1..8
};

// ---- EXIF orientation: IFD0's tag 0x0112 of an APP1 "Exif\0\0" segment (bounds-checked, any byte order).
int exifOrientation(const uint8_t* p, size_t n) {
  if (n < 14 || std::memcmp(p, "Exif\0\0", 6) != 0) return 1;
  const uint8_t* t = p + 6;
  size_t len = n - 6;
  bool le;
  if (t[0] == 'I' && t[1] == 'I') le = true;
  else if (t[0] == 'M' && t[1] == 'M') le = false;
  else return 1;
  auto u16 = [&](size_t o) -> uint32_t { return le ? t[o] | (t[o + 1] << 8) : (t[o] << 8) | t[o + 1]; };
  auto u32 = [&](size_t o) -> uint64_t {
    return le ? (uint64_t{t[o]} | uint64_t{t[o + 1]} << 8 | uint64_t{t[o + 2]} << 16 | uint64_t{t[o + 3]} << 24)
              : (uint64_t{t[o]} << 24 | uint64_t{t[o + 1]} << 16 | uint64_t{t[o + 2]} << 8 | uint64_t{t[o + 3]});
  };
  if (len < 8 || u16(2) != 42) return 1;
  uint64_t ifd = u32(4);
  if (ifd + 2 > len) return 1;
  uint32_t count = u16(ifd);
  for (uint32_t i = 0; i < count; i++) {
    uint64_t e = ifd + 2 + uint64_t{i} * 12;
    if (e + 12 > len) return 1;
    if (u16(e) == 0x0112 && u16(e + 2) == 3 /* SHORT */) {
      uint32_t v = u16(e + 8);
      return (v >= 1 && v <= 8) ? static_cast<int>(v) : 1;
    }
  }
  return 1;
}

// ---- JPEG
struct JpegErr {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpegErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErr*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings are tolerated (as Pillow does: "extraneous bytes before marker"...), except a truncated file,
// which libjpeg would otherwise pad with grey.
void jpegEmit(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) jpegErrorExit(cinfo);
}
void jpegSilent(j_common_ptr) {}

// The decode (the header alone with headerOnly, or when the size is refused: the caller checks it). Returns
// false with err->message set on a library error.
bool jpegRun(const uint8_t* data, size_t n, Raw* out, bool headerOnly, JpegErr* err, jpeg_decompress_struct* cinfo) {
  cinfo->err = jpeg_std_error(&err->mgr);
  err->mgr.error_exit = jpegErrorExit;
  err->mgr.emit_message = jpegEmit;
  err->mgr.output_message = jpegSilent;
  err->message[0] = 0;
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(cinfo);
    return false;
  }
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(n));
  jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(cinfo, TRUE);
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1) {
      int o = exifOrientation(m->data, m->data_length);
      if (o != 1) {
        out->orientation = o;
        break;
      }
    }
  }
  out->w = cinfo->image_width;
  out->h = cinfo->image_height;
  bool cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  out->nc = cinfo->num_components == 1 ? 1 : 3;
  if (headerOnly || static_cast<uint64_t>(out->w) * static_cast<uint64_t>(out->h) > kMaxPixels || out->w == 0 || out->h == 0) {
    jpeg_destroy_decompress(cinfo);
    return true;
  }
  try {  // room for up to 4 channels (CMYK), allocated only once the size is known to be acceptable
    out->px.resize(static_cast<size_t>(out->w) * out->h * 4);
  } catch (...) {
    jpeg_destroy_decompress(cinfo);
    throw;
  }
  cinfo->out_color_space = cinfo->num_components == 1 ? JCS_GRAYSCALE : (cmyk ? JCS_CMYK : JCS_RGB);
  jpeg_start_decompress(cinfo);
  int comps = cinfo->output_components;
  size_t stride = static_cast<size_t>(cinfo->output_width) * comps;
  uint8_t* buf = out->px.data();
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = buf + static_cast<size_t>(cinfo->output_scanline) * stride;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  bool adobe = cinfo->saw_Adobe_marker;
  jpeg_destroy_decompress(cinfo);
  if (comps == 4) {  // CMYK (Adobe files store it inverted) to RGB, in place
    size_t npx = static_cast<size_t>(out->w) * out->h;
    for (size_t i = 0; i < npx; i++) {
      const uint8_t* s = buf + i * 4;
      int c = adobe ? s[0] : 255 - s[0], m = adobe ? s[1] : 255 - s[1], y = adobe ? s[2] : 255 - s[2],
          k = adobe ? s[3] : 255 - s[3];
      buf[i * 3] = static_cast<uint8_t>((c * k + 127) / 255);
      buf[i * 3 + 1] = static_cast<uint8_t>((m * k + 127) / 255);
      buf[i * 3 + 2] = static_cast<uint8_t>((y * k + 127) / 255);
    }
  }
  return true;
}

Raw decodeJpeg(const uint8_t* data, size_t n, bool headerOnly) {
  auto err = std::make_unique<JpegErr>();
  auto cinfo = std::make_unique<jpeg_decompress_struct>();
  Raw out;
  // One pass: the header, the size check (before any pixel buffer), then the pixels when wanted.
  if (!jpegRun(data, n, &out, headerOnly, err.get(), cinfo.get())) throw DecodeError(Format::Jpeg, err->message);
  checkSize(Format::Jpeg, out.w, out.h);
  return out;
}

// ---- PNG
struct PngState {
  const uint8_t* data;
  size_t size, pos;
  jmp_buf jump;
  char message[200];
};

void pngError(png_structp png, png_const_charp msg) {
  auto* s = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(s->message, sizeof s->message, "%s", msg);
  std::longjmp(s->jump, 1);
}
void pngWarning(png_structp, png_const_charp) {}

void pngRead(png_structp png, png_bytep dst, png_size_t len) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  if (len > s->size - s->pos) png_error(png, "the file is truncated");
  std::memcpy(dst, s->data + s->pos, len);
  s->pos += len;
}

bool pngRun(PngState* s, Raw* out, bool headerOnly, std::vector<png_bytep>* rows) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, s, pngError, pngWarning);
  if (!png) {
    std::snprintf(s->message, sizeof s->message, "libpng could not start");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    std::snprintf(s->message, sizeof s->message, "libpng could not start");
    return false;
  }
  if (setjmp(s->jump)) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, s, pngRead);
  png_set_user_limits(png, 1u << 28, 1u << 28);
  png_read_info(png, info);
  png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  int color = png_get_color_type(png, info);
  // Everything becomes 8-bit grey, grey+alpha, RGB or RGBA: palettes expanded, tRNS made alpha, 16-bit
  // samples cut to their high byte (as Pillow reads 16-bit RGB), low bit depths widened.
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  png_set_strip_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  out->w = w;
  out->h = h;
  out->nc = png_get_channels(png, info);
  if (headerOnly || static_cast<uint64_t>(w) * h > kMaxPixels || w == 0 || h == 0 || out->nc < 1 || out->nc > 4) {
    png_destroy_read_struct(&png, &info, nullptr);
    return true;
  }
  if (png_get_rowbytes(png, info) != static_cast<size_t>(w) * out->nc) png_error(png, "unexpected row layout");
  try {  // allocated only once the size is known to be acceptable
    out->px.resize(static_cast<size_t>(w) * h * out->nc);
    rows->resize(h);
  } catch (...) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw;
  }
  for (png_uint_32 y = 0; y < h; y++) (*rows)[y] = out->px.data() + static_cast<size_t>(y) * w * out->nc;
  png_read_image(png, rows->data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

Raw decodePng(const uint8_t* data, size_t n, bool headerOnly) {
  auto s = std::make_unique<PngState>();
  s->data = data;
  s->size = n;
  s->pos = 0;
  s->message[0] = 0;
  Raw out;
  std::vector<png_bytep> rows;
  // One pass: the header, the size check (before any pixel buffer), then the pixels when wanted.
  if (!pngRun(s.get(), &out, headerOnly, &rows)) throw DecodeError(Format::Png, s->message);
  checkSize(Format::Png, out.w, out.h);
  if (out.nc < 1 || out.nc > 4) throw DecodeError(Format::Png, "unsupported channel count " + std::to_string(out.nc));
  return out;
}

// ---- WebP
Raw decodeWebp(const uint8_t* data, size_t n, bool headerOnly) {
  WebPBitstreamFeatures f;
  VP8StatusCode st = WebPGetFeatures(data, n, &f);
  if (st != VP8_STATUS_OK) {
    throw DecodeError(Format::Webp, st == VP8_STATUS_NOT_ENOUGH_DATA ? "the file is truncated" : "not a valid WebP bitstream (status " + std::to_string(static_cast<int>(st)) + ")");
  }
  if (f.has_animation) throw DecodeError(Format::Webp, "animated WebP is not supported");
  Raw out;
  out.w = f.width;
  out.h = f.height;
  out.nc = f.has_alpha ? 4 : 3;
  checkSize(Format::Webp, out.w, out.h);
  if (headerOnly) return out;
  size_t stride = static_cast<size_t>(out.w) * out.nc;
  out.px.resize(stride * out.h);
  uint8_t* ok = f.has_alpha ? WebPDecodeRGBAInto(data, n, out.px.data(), out.px.size(), static_cast<int>(stride))
                            : WebPDecodeRGBInto(data, n, out.px.data(), out.px.size(), static_cast<int>(stride));
  if (!ok) throw DecodeError(Format::Webp, "corrupt or truncated WebP data");
  return out;
}

Raw decodeRaw(const uint8_t* data, size_t n, bool headerOnly) {
  if (n == 0) throw DecodeError(Format::Unknown, "the data is empty (0 bytes)");
  switch (sniff(data, n)) {
    case Format::Jpeg: return decodeJpeg(data, n, headerOnly);
    case Format::Png: return decodePng(data, n, headerOnly);
    case Format::Webp: return decodeWebp(data, n, headerOnly);
    default: throw DecodeError(Format::Unknown, "not a JPEG, PNG or WebP file (unrecognised signature)");
  }
}

int outChannels(Mode m, int nc) {
  switch (m) {
    case Mode::RGB: return 3;
    case Mode::L: return 1;
    case Mode::RGBA: return 4;
    default: return nc;
  }
}

bool swapsAxes(int orientation) { return orientation >= 5; }

// The raw pixels in `mode`, turned upright by the EXIF orientation, as a contiguous uint8 [C, H, W] tensor.
// Grey to RGB repeats the grey; alpha is dropped for RGB and L; RGB to L is Pillow's ITU-R 601-2 luma
// (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16).
at::Tensor toTensor(const Raw& r, Mode mode) {
  int C = outChannels(mode, r.nc);
  int64_t W = swapsAxes(r.orientation) ? r.h : r.w, H = swapsAxes(r.orientation) ? r.w : r.h;
  at::Tensor t = at::empty({C, H, W}, at::TensorOptions().dtype(at::kByte));
  uint8_t* dst = t.data_ptr<uint8_t>();
  const int64_t plane = H * W;
  const int nc = r.nc;
  const uint8_t* src = r.px.data();
  // The common cases (upright, same channels; grey to RGB) as plain de-interleaving loops.
  if (r.orientation == 1 && (C == nc || (nc == 1 && C == 3))) {
    for (int c = 0; c < C; c++) {
      uint8_t* d = dst + c * plane;
      const uint8_t* s = src + (nc == 1 ? 0 : c);
      for (int64_t i = 0; i < plane; i++) d[i] = s[i * nc];
    }
    return t;
  }
  for (int64_t y = 0; y < H; y++) {
    for (int64_t x = 0; x < W; x++) {
      int64_t sx, sy;  // the source pixel of the upright (x, y)
      switch (r.orientation) {
        case 2: sx = r.w - 1 - x; sy = y; break;
        case 3: sx = r.w - 1 - x; sy = r.h - 1 - y; break;
        case 4: sx = x; sy = r.h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = r.h - 1 - x; break;
        case 7: sx = r.w - 1 - y; sy = r.h - 1 - x; break;
        case 8: sx = r.w - 1 - y; sy = x; break;
        default: sx = x; sy = y; break;
      }
      const uint8_t* p = src + (sy * r.w + sx) * nc;
      uint8_t v[4];
      bool grey = nc <= 2;
      uint8_t alpha = (nc == 2) ? p[1] : (nc == 4 ? p[3] : 255);
      if (mode == Mode::Unchanged) {
        for (int c = 0; c < nc; c++) v[c] = p[c];
      } else if (mode == Mode::L) {
        v[0] = grey ? p[0] : static_cast<uint8_t>((p[0] * 19595 + p[1] * 38470 + p[2] * 7471 + 0x8000) >> 16);
      } else {
        v[0] = p[0];
        v[1] = grey ? p[0] : p[1];
        v[2] = grey ? p[0] : p[2];
        v[3] = alpha;
      }
      int64_t o = y * W + x;
      for (int c = 0; c < C; c++) dst[c * plane + o] = v[c];
    }
  }
  return t;
}

Mode modeOf(const Napi::CallbackInfo& info, size_t i) {
  std::string m = Str(info, i);
  if (m == "RGB") return Mode::RGB;
  if (m == "L") return Mode::L;
  if (m == "RGBA") return Mode::RGBA;
  if (m == "unchanged") return Mode::Unchanged;
  throw ArgError(argName(i), "'RGB', 'L', 'RGBA' or 'unchanged'", "'" + m + "'");
}

// The bytes of a Buffer / Uint8Array argument (copied: the caller may change them while the worker runs).
std::vector<uint8_t> bytesOf(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw ArgError(argName(i), "a Buffer or Uint8Array", describeArg(info, i));
  }
  auto a = info[i].As<Napi::Uint8Array>();
  return std::vector<uint8_t>(a.Data(), a.Data() + a.ElementLength());
}

// The JS error a decode failure rejects with: message "FORMAT: reason", plus `format` and `reason`.
Napi::Value decodeErrorValue(Napi::Env env, Format f, const std::string& why) {
  Napi::Error e = Napi::Error::New(env, std::string(formatName(f)) + ": " + why);
  e.Value().Set("format", formatName(f));
  e.Value().Set("reason", why);
  return e.Value();
}

class DecodeWorker : public Napi::AsyncWorker {
 public:
  DecodeWorker(Napi::Env env, std::vector<uint8_t> bytes, Mode mode)
      : Napi::AsyncWorker(env, "flint.decodeImage"), deferred_(Napi::Promise::Deferred::New(env)),
        bytes_(std::move(bytes)), mode_(mode) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    format_ = sniff(bytes_.data(), bytes_.size());
    try {
      Raw r = decodeRaw(bytes_.data(), bytes_.size(), false);
      std::vector<uint8_t>().swap(bytes_);
      result_ = toTensor(r, mode_);
    } catch (const DecodeError& e) {
      format_ = e.format;
      why_ = e.what();
    } catch (const c10::Error& e) {
      why_ = e.what_without_backtrace();
    } catch (const std::exception& e) {  // std::bad_alloc for a buffer that does not fit
      why_ = e.what();
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (!why_.empty() || !result_.defined()) {
      deferred_.Reject(decodeErrorValue(env, format_, why_.empty() ? "decoding failed" : why_));
      return;
    }
    try {
      deferred_.Resolve(wrap(env, std::move(result_)));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<uint8_t> bytes_;
  Mode mode_;
  at::Tensor result_;
  Format format_ = Format::Unknown;
  std::string why_;
};

}  // namespace

// decodeImage(bytes, mode): Promise<Handle>; the argument checks throw synchronously.
OP_BEGIN(decodeImage)
  std::vector<uint8_t> bytes = bytesOf(info, 0);
  Mode mode = modeOf(info, 1);
  auto* w = new DecodeWorker(env, std::move(bytes), mode);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
OP_END

// imageInfo(bytes): { format, width, height, channels } from the header alone (width and height upright,
// after the EXIF orientation; channels as decoded with mode 'unchanged'). A bad header throws the decode error.
OP_BEGIN(imageInfo)
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw ArgError(argName(0), "a Buffer or Uint8Array", describeArg(info, 0));
  }
  auto a = info[0].As<Napi::Uint8Array>();
  Raw r;
  Format f = sniff(a.Data(), a.ElementLength());
  try {
    r = decodeRaw(a.Data(), a.ElementLength(), true);
  } catch (const DecodeError& e) {
    napi_throw(env, decodeErrorValue(env, e.format, e.what()));
    return Napi::Value(env, nullptr);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("format", f == Format::Jpeg ? "jpeg" : f == Format::Png ? "png" : "webp");
  o.Set("width", Napi::Number::New(env, static_cast<double>(swapsAxes(r.orientation) ? r.h : r.w)));
  o.Set("height", Napi::Number::New(env, static_cast<double>(swapsAxes(r.orientation) ? r.w : r.h)));
  o.Set("channels", Napi::Number::New(env, r.nc));
  o.Set("orientation", Napi::Number::New(env, r.orientation));
  return o;
OP_END

void registerImage(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, decodeImage);
  EXPORT(exports, imageInfo);
}

}  // namespace flint
