// Linear algebra and the functions the nn layer is built on: convolution, pooling, normalization,
// dropout, embedding, resizing, padding, losses and attention.
#include "flint.h"

namespace flint {

OP_BEGIN(addmm) return wrap(env, at::addmm(T(info, 0), T(info, 1), T(info, 2), S(info, 3), S(info, 4))); OP_END
OP_BEGIN(baddbmm) return wrap(env, at::baddbmm(T(info, 0), T(info, 1), T(info, 2), S(info, 3), S(info, 4))); OP_END
OP_BEGIN(einsum) return wrap(env, at::einsum(Str(info, 0), TL(info, 1))); OP_END

// linalgQr(a, mode): [Q, R]
OP_BEGIN(linalgQr)
  std::string mode = Str(info, 1);
  auto r = at::linalg_qr(T(info, 0), mode);
  return wrapList(env, {std::get<0>(r), std::get<1>(r)});
OP_END

OP_BEGIN(linear) return wrap(env, at::linear(T(info, 0), T(info, 1), OOT(info, 2))); OP_END

// conv{1,2}d(x, w, b, stride, padding (ints or 'same'/'valid'), dilation, groups)
#define DEF_CONV(name, fn)                                                                          \
  OP_BEGIN(name)                                                                                    \
    if (info[4].IsString()) {                                                                       \
      std::string pad = Str(info, 4);                                                               \
      return wrap(env, fn(T(info, 0), T(info, 1), OOT(info, 2), IL(info, 3), pad, IL(info, 5), I(info, 6))); \
    }                                                                                               \
    return wrap(env, fn(T(info, 0), T(info, 1), OOT(info, 2), IL(info, 3), IL(info, 4), IL(info, 5), I(info, 6))); \
  OP_END
DEF_CONV(conv1d, at::conv1d)
DEF_CONV(conv2d, at::conv2d)
// convTranspose2d(x, w, b, stride, padding, outputPadding, groups, dilation)
OP_BEGIN(convTranspose2d)
  return wrap(env, at::conv_transpose2d(T(info, 0), T(info, 1), OOT(info, 2), IL(info, 3), IL(info, 4), IL(info, 5),
                                        I(info, 6), IL(info, 7)));
OP_END

// maxPool{1,2}d(x, kernel, stride, padding, dilation, ceilMode)
OP_BEGIN(maxPool1d) return wrap(env, at::max_pool1d(T(info, 0), IL(info, 1), IL(info, 2), IL(info, 3), IL(info, 4), B(info, 5))); OP_END
OP_BEGIN(maxPool2d) return wrap(env, at::max_pool2d(T(info, 0), IL(info, 1), IL(info, 2), IL(info, 3), IL(info, 4), B(info, 5))); OP_END
OP_BEGIN(maxPool2dWithIndices)
  auto r = at::max_pool2d_with_indices(T(info, 0), IL(info, 1), IL(info, 2), IL(info, 3), IL(info, 4), B(info, 5));
  return wrapList(env, {std::get<0>(r), std::get<1>(r)});
OP_END
// avgPool{1,2}d(x, kernel, stride, padding, ceilMode, countIncludePad)
OP_BEGIN(avgPool1d) return wrap(env, at::avg_pool1d(T(info, 0), IL(info, 1), IL(info, 2), IL(info, 3), B(info, 4), B(info, 5))); OP_END
OP_BEGIN(avgPool2d) return wrap(env, at::avg_pool2d(T(info, 0), IL(info, 1), IL(info, 2), IL(info, 3), B(info, 4), B(info, 5))); OP_END
OP_BEGIN(adaptiveAvgPool1d) return wrap(env, at::adaptive_avg_pool1d(T(info, 0), IL(info, 1))); OP_END
OP_BEGIN(adaptiveAvgPool2d) return wrap(env, at::adaptive_avg_pool2d(T(info, 0), IL(info, 1))); OP_END
OP_BEGIN(adaptiveMaxPool1d) return wrap(env, std::get<0>(at::adaptive_max_pool1d(T(info, 0), IL(info, 1)))); OP_END
OP_BEGIN(adaptiveMaxPool2d) return wrap(env, std::get<0>(at::adaptive_max_pool2d(T(info, 0), IL(info, 1)))); OP_END

// batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps): updates the running stats in place.
OP_BEGIN(batchNorm)
  return wrap(env, at::batch_norm(T(info, 0), OOT(info, 1), OOT(info, 2), OOT(info, 3), OOT(info, 4), B(info, 5),
                                  D(info, 6), D(info, 7), /*cudnn_enabled=*/true));
OP_END
OP_BEGIN(layerNorm) return wrap(env, at::layer_norm(T(info, 0), IL(info, 1), OOT(info, 2), OOT(info, 3), D(info, 4), true)); OP_END
OP_BEGIN(groupNorm) return wrap(env, at::group_norm(T(info, 0), I(info, 1), OOT(info, 2), OOT(info, 3), D(info, 4), true)); OP_END
OP_BEGIN(dropout)
  double p = D(info, 1);
  if (!(p >= 0 && p <= 1)) throw ArgError(argName(1), "a dropout probability in [0, 1]", describeValue(info[1]));
  return wrap(env, at::dropout(T(info, 0), p, B(info, 2)));
OP_END
OP_BEGIN(embedding) return wrap(env, at::embedding(T(info, 0), T(info, 1), I(info, 2), false, false)); OP_END
// upsampleNearest2d(x, size, scaleH|null, scaleW|null); upsampleBilinear2d(x, size, alignCorners, scaleH, scaleW)
OP_BEGIN(upsampleNearest2d) return wrap(env, at::upsample_nearest2d(T(info, 0), IL(info, 1), OD(info, 2), OD(info, 3))); OP_END
OP_BEGIN(upsampleBilinear2d)
  return wrap(env, at::upsample_bilinear2d(T(info, 0), IL(info, 1), B(info, 2), OD(info, 3), OD(info, 4)));
OP_END
// gridSampler2d(x, grid, interpolation 0 bilinear | 1 nearest | 2 bicubic, padding 0 zeros | 1 border | 2 reflection, alignCorners)
OP_BEGIN(gridSampler2d)
  return wrap(env, at::grid_sampler(T(info, 0), T(info, 1), I(info, 2), I(info, 3), B(info, 4)));
OP_END
// affineGrid(theta [N, 2, 3], size [N, C, H, W], alignCorners)
OP_BEGIN(affineGrid) return wrap(env, at::affine_grid_generator(T(info, 0), IL(info, 1), B(info, 2))); OP_END
// pad(x, pad, mode, value|null)
OP_BEGIN(pad)
  std::string mode = Str(info, 2);
  return wrap(env, at::pad(T(info, 0), IL(info, 1), mode, OD(info, 3)));
OP_END

// lstm(input, [h0, c0], params, hasBiases, numLayers, dropout, train, bidirectional, batchFirst) -> [out, h, c]
OP_BEGIN(lstm)
  auto r = at::lstm(T(info, 0), TL(info, 1), TL(info, 2), B(info, 3), I(info, 4), D(info, 5), B(info, 6), B(info, 7), B(info, 8));
  return wrapList(env, {std::get<0>(r), std::get<1>(r), std::get<2>(r)});
OP_END
// gru(input, h0, params, hasBiases, numLayers, dropout, train, bidirectional, batchFirst) -> [out, h]
OP_BEGIN(gru)
  auto r = at::gru(T(info, 0), T(info, 1), TL(info, 2), B(info, 3), I(info, 4), D(info, 5), B(info, 6), B(info, 7), B(info, 8));
  return wrapList(env, {std::get<0>(r), std::get<1>(r)});
OP_END
OP_BEGIN(bilinear) return wrap(env, at::bilinear(T(info, 0), T(info, 1), T(info, 2), OOT(info, 3))); OP_END
// instanceNorm(x, weight, bias, runningMean, runningVar, useInputStats, momentum, eps)
OP_BEGIN(instanceNorm)
  return wrap(env, at::instance_norm(T(info, 0), OOT(info, 1), OOT(info, 2), OOT(info, 3), OOT(info, 4), B(info, 5), D(info, 6),
                                     D(info, 7), /*cudnn_enabled=*/true));
OP_END
// featureDropout(x, p, train): zeroes whole channels
OP_BEGIN(featureDropout)
  double p = D(info, 1);
  if (!(p >= 0 && p <= 1)) throw ArgError(argName(1), "a dropout probability in [0, 1]", describeValue(info[1]));
  return wrap(env, at::feature_dropout(T(info, 0), p, B(info, 2)));
OP_END
// embeddingBag(weight, indices, offsets, mode (0 sum, 1 mean, 2 max), perSampleWeights|null, paddingIdx|null)
OP_BEGIN(embeddingBag)
  auto r = at::embedding_bag(T(info, 0), T(info, 1), T(info, 2), false, I(info, 3), false, OOT(info, 4), false, OI(info, 5));
  return wrap(env, std::get<0>(r));
OP_END

// ---- losses; reduction is ATen's enum: 0 none, 1 mean, 2 sum ----
static int64_t reductionOf(const Napi::CallbackInfo& info, size_t i) {
  int64_t r = I(info, i);
  if (r < 0 || r > 2) throw ArgError(argName(i), "a reduction code 0 (none), 1 (mean) or 2 (sum)", std::to_string(r));
  return r;
}
OP_BEGIN(crossEntropy)
  return wrap(env, at::cross_entropy_loss(T(info, 0), T(info, 1), OOT(info, 2), reductionOf(info, 3), I(info, 4), D(info, 5)));
OP_END
OP_BEGIN(nllLoss) return wrap(env, at::nll_loss_nd(T(info, 0), T(info, 1), OOT(info, 2), reductionOf(info, 3), I(info, 4))); OP_END
OP_BEGIN(mseLoss) return wrap(env, at::mse_loss(T(info, 0), T(info, 1), reductionOf(info, 2))); OP_END
OP_BEGIN(l1Loss) return wrap(env, at::l1_loss(T(info, 0), T(info, 1), reductionOf(info, 2))); OP_END
OP_BEGIN(smoothL1Loss) return wrap(env, at::smooth_l1_loss(T(info, 0), T(info, 1), reductionOf(info, 2), D(info, 3))); OP_END
OP_BEGIN(huberLoss) return wrap(env, at::huber_loss(T(info, 0), T(info, 1), reductionOf(info, 2), D(info, 3))); OP_END
OP_BEGIN(bce) return wrap(env, at::binary_cross_entropy(T(info, 0), T(info, 1), OOT(info, 2), reductionOf(info, 3))); OP_END
OP_BEGIN(bceWithLogits)
  return wrap(env, at::binary_cross_entropy_with_logits(T(info, 0), T(info, 1), OOT(info, 2), OOT(info, 3), reductionOf(info, 4)));
OP_END
OP_BEGIN(klDiv) return wrap(env, at::kl_div(T(info, 0), T(info, 1), reductionOf(info, 2), B(info, 3))); OP_END

// sdpa(q, k, v, mask|null, dropoutP, isCausal, scale|null). libtorch 2.1+ has the fused op; older ones
// (Debian's 1.13) take the matmul/softmax path, which computes the same function.
OP_BEGIN(sdpa)
  const at::Tensor& q = T(info, 0);
  const at::Tensor& k = T(info, 1);
  const at::Tensor& v = T(info, 2);
  at::Tensor mask = OT(info, 3);
  double p = D(info, 4);
  bool causal = B(info, 5);
  c10::optional<double> scale = OD(info, 6);
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  return wrap(env, at::scaled_dot_product_attention(q, k, v, mask.defined() ? c10::optional<at::Tensor>(mask) : c10::nullopt,
                                                    p, causal, scale));
#else
  double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  at::Tensor attn = at::matmul(q, k.transpose(-2, -1)) * s;
  if (causal) {
    auto keep = at::ones({q.size(-2), k.size(-2)}, q.options().dtype(at::kBool)).tril();
    attn = attn.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
  }
  if (mask.defined()) {
    if (mask.scalar_type() == at::kBool) attn = attn.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
    else attn = attn + mask;
  }
  attn = at::softmax(attn, -1);
  if (p > 0) attn = at::dropout(attn, p, true);
  return wrap(env, at::matmul(attn, v));
#endif
OP_END

void registerLinalgNN(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, addmm); EXPORT(exports, baddbmm); EXPORT(exports, einsum); EXPORT(exports, linalgQr); EXPORT(exports, linear);
  EXPORT(exports, conv1d); EXPORT(exports, conv2d); EXPORT(exports, convTranspose2d);
  EXPORT(exports, maxPool1d); EXPORT(exports, maxPool2d); EXPORT(exports, maxPool2dWithIndices);
  EXPORT(exports, avgPool1d); EXPORT(exports, avgPool2d); EXPORT(exports, adaptiveAvgPool1d);
  EXPORT(exports, adaptiveAvgPool2d); EXPORT(exports, adaptiveMaxPool1d); EXPORT(exports, adaptiveMaxPool2d);
  EXPORT(exports, batchNorm); EXPORT(exports, layerNorm); EXPORT(exports, groupNorm); EXPORT(exports, dropout);
  EXPORT(exports, embedding); EXPORT(exports, upsampleNearest2d); EXPORT(exports, upsampleBilinear2d);
  EXPORT(exports, gridSampler2d); EXPORT(exports, affineGrid);
  EXPORT(exports, pad); EXPORT(exports, crossEntropy); EXPORT(exports, nllLoss); EXPORT(exports, mseLoss);
  EXPORT(exports, l1Loss); EXPORT(exports, smoothL1Loss); EXPORT(exports, huberLoss); EXPORT(exports, bce);
  EXPORT(exports, bceWithLogits); EXPORT(exports, klDiv); EXPORT(exports, sdpa);
  EXPORT(exports, lstm); EXPORT(exports, gru); EXPORT(exports, bilinear); EXPORT(exports, instanceNorm);
  EXPORT(exports, featureDropout); EXPORT(exports, embeddingBag);
}

}  // namespace flint
