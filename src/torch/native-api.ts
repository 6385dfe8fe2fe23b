// The addon's exports, typed: one signature per native function (argument order as the C++ readers take
// them) and NATIVE_EXPORTS, the runtime list of every name, checked at compile time against the interface.
// test/native-api.test.ts checks the list against what the loaded addon exports, so a C++ export added
// without a type here fails the tests.
//
// Readers in native/flint.h and their types: T Handle; OT/OOT Handle | null; D number; I an integer
// number; B boolean; Str string; S Scalar; TS Handle | Scalar; IL/SH readonly number[]; TL readonly Handle[];
// SL readonly Scalar[]; DT DTypeCode; DEV a device string. Returns: wrap() Handle, wrapList() Handle[].

/** An opaque handle owning one libtorch tensor (a Node-API external). */
export type Handle = { readonly __flintHandle: unique symbol };
/** A random generator made by generatorNew (an opaque external). */
export type GenHandle = { readonly __flintGenerator: unique symbol };
/** A c10d process group made by distInit (an opaque external). */
export type GroupHandle = { readonly __flintProcessGroup: unique symbol };
/** DDP's gradient reducer made by ddpReducerNew (an opaque external). */
export type ReducerHandle = { readonly __flintReducer: unique symbol };
/** A number argument read as a libtorch Scalar (integral numbers as int64, others as double), or a bool. */
export type Scalar = number | boolean;
/** libtorch's ScalarType code of a dtype (src/torch/dtype.ts maps names to codes). */
export type DTypeCode = number;
/** ATen's reduction enum: 0 none, 1 mean, 2 sum (others are refused). */
export type ReductionCode = number;
/** What toTypedArray returns for each dtype (float16/bfloat16 read as float32, bool as uint8). */
export type HostArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array;
/** The error classes the addon constructs: TorchError(message), ArgumentError(fn, arg, expected, got). */
export type TorchErrorClass = new (message: string) => Error;
export type ArgumentErrorClass = new (fn: string, arg: string, expected: string, got: string) => Error;

export interface NativeAddon {
  backward(t: Handle, gradient?: Handle | null, retainGraph?: boolean | null, createGraph?: boolean | null): void;
  grad(a: Handle): Handle | null;
  setGrad(a: Handle, grad: Handle | null): void;
  retainGrad(a: Handle): void;
  setData_(param: Handle, src: Handle): void;
  requiresGrad_(a: Handle, requiresGrad: boolean): void;
  gradFnName(a: Handle): string;
  autogradGrad(
    outputs: readonly Handle[],
    inputs: readonly Handle[],
    gradOutputs: readonly Handle[] | null | undefined,
    retainGraph: boolean | null | undefined,
    createGraph: boolean,
    allowUnused: boolean,
  ): (Handle | null)[];
  foreachAdd_(xs: readonly Handle[], other: readonly Handle[], alpha: Scalar): void;
  foreachAdd_(xs: readonly Handle[], other: Scalar): void;
  foreachMul_(xs: readonly Handle[], other: readonly Scalar[] | readonly Handle[] | Scalar): void;
  foreachDiv_(xs: readonly Handle[], other: readonly Handle[] | Scalar): void;
  foreachAddcmul_(xs: readonly Handle[], t1: readonly Handle[], t2: readonly Handle[], value: readonly Scalar[] | Scalar): void;
  foreachAddcdiv_(xs: readonly Handle[], t1: readonly Handle[], t2: readonly Handle[], value: readonly Scalar[] | Scalar): void;
  foreachSqrt(xs: readonly Handle[]): Handle[];
  foreachSqrt_(xs: readonly Handle[]): void;
  foreachZero_(xs: readonly Handle[]): void;
  foreachNorm(xs: readonly Handle[], p: Scalar): Handle[];
  foreachLerp_(xs: readonly Handle[], ends: readonly Handle[], weight: Scalar): void;
  foreachCopy_(xs: readonly Handle[], src: readonly Handle[]): void;
  fromTyped(data: ArrayBufferView, srcDtype: DTypeCode, shape: readonly number[], dstDtype: DTypeCode, device: string): Handle;
  zeros(shape: readonly number[], dtype: DTypeCode, device: string): Handle;
  ones(shape: readonly number[], dtype: DTypeCode, device: string): Handle;
  empty(shape: readonly number[], dtype: DTypeCode, device: string): Handle;
  full(shape: readonly number[], value: Scalar, dtype: DTypeCode, device: string): Handle;
  rand(shape: readonly number[], dtype: DTypeCode, device: string, gen?: GenHandle | null): Handle;
  randn(shape: readonly number[], dtype: DTypeCode, device: string, gen?: GenHandle | null): Handle;
  randint(low: number, high: number, shape: readonly number[], dtype: DTypeCode, device: string, gen?: GenHandle | null): Handle;
  arange(start: Scalar, end: Scalar, step: Scalar, dtype: DTypeCode, device: string): Handle;
  linspace(start: Scalar, end: Scalar, steps: number, dtype: DTypeCode, device: string): Handle;
  eye(n: number, m: number, dtype: DTypeCode, device: string): Handle;
  randperm(n: number, dtype: DTypeCode, device: string, gen?: GenHandle | null): Handle;
  scalarTensor(value: Scalar, dtype: DTypeCode, device: string): Handle;
  randpermSeeded(n: number, seed: number): Handle;
  standardGamma(concentration: Handle): Handle;
  setErrorClass(torchError: TorchErrorClass, argumentError?: ArgumentErrorClass): void;
  dispose(a: Handle): void;
  isDisposed(a: Handle): boolean;
  memory(): { liveTensors: number; bytes: number };
  shape(a: Handle): number[];
  strides(a: Handle): number[];
  dtype(a: Handle): DTypeCode;
  device(a: Handle): string;
  requiresGrad(a: Handle): boolean;
  isContiguous(a: Handle): boolean;
  isLeaf(a: Handle): boolean;
  item(a: Handle): number | boolean;
  toTypedArray(a: Handle, allowView: boolean): HostArray;
  bytes(a: Handle): ArrayBuffer;
  /** Decodes JPEG/PNG/WebP bytes (copied) on a worker thread: a uint8 [C, H, W] tensor; rejects with an Error
   * carrying `format` and `reason`. mode: 'RGB' | 'L' | 'RGBA' | 'unchanged'. */
  decodeImage(bytes: Uint8Array, mode: string): Promise<Handle>;
  /** IntToFloat (x / div), the affine/homography resample (mat [N, 3, 3], coord [N, 3, 3] or null) to h x w and the
   * logit-space lighting ops, on a worker thread (native/augment.cc); the checks throw synchronously. */
  augmentAsync(
    x: Handle,
    div: number | null,
    mat: Handle | null,
    coord: Handle | null,
    h: number,
    w: number,
    /** grid_sampler's interpolation and padding enums (functional.ts's GRID_MODES / GRID_PADDING indices). */
    mode: number,
    padMode: number,
    alignCorners: boolean,
    logitOps: readonly (readonly ['add' | 'mul', Handle])[] | null,
  ): Promise<Handle>;
  /** The header alone; throws an Error with `format` and `reason` when it cannot be read. */
  imageInfo(bytes: Uint8Array): {
    format: 'jpeg' | 'png' | 'webp';
    width: number;
    height: number;
    channels: number;
    orientation: number;
  };
  addmm(input: Handle, mat1: Handle, mat2: Handle, beta: Scalar, alpha: Scalar): Handle;
  baddbmm(input: Handle, batch1: Handle, batch2: Handle, beta: Scalar, alpha: Scalar): Handle;
  einsum(equation: string, operands: readonly Handle[]): Handle;
  linalgQr(a: Handle, mode: 'reduced' | 'complete' | 'r'): Handle[];
  linear(x: Handle, weight: Handle, bias?: Handle | null): Handle;
  conv1d(
    x: Handle,
    w: Handle,
    b: Handle | null | undefined,
    stride: readonly number[],
    padding: readonly number[] | 'same' | 'valid',
    dilation: readonly number[],
    groups: number,
  ): Handle;
  conv2d(
    x: Handle,
    w: Handle,
    b: Handle | null | undefined,
    stride: readonly number[],
    padding: readonly number[] | 'same' | 'valid',
    dilation: readonly number[],
    groups: number,
  ): Handle;
  convTranspose2d(
    x: Handle,
    w: Handle,
    b: Handle | null | undefined,
    stride: readonly number[],
    padding: readonly number[],
    outputPadding: readonly number[],
    groups: number,
    dilation: readonly number[],
  ): Handle;
  maxPool1d(
    x: Handle,
    kernel: readonly number[],
    stride: readonly number[],
    padding: readonly number[],
    dilation: readonly number[],
    ceilMode: boolean,
  ): Handle;
  maxPool2d(
    x: Handle,
    kernel: readonly number[],
    stride: readonly number[],
    padding: readonly number[],
    dilation: readonly number[],
    ceilMode: boolean,
  ): Handle;
  maxPool2dWithIndices(
    x: Handle,
    kernel: readonly number[],
    stride: readonly number[],
    padding: readonly number[],
    dilation: readonly number[],
    ceilMode: boolean,
  ): Handle[];
  avgPool1d(
    x: Handle,
    kernel: readonly number[],
    stride: readonly number[],
    padding: readonly number[],
    ceilMode: boolean,
    countIncludePad: boolean,
  ): Handle;
  avgPool2d(
    x: Handle,
    kernel: readonly number[],
    stride: readonly number[],
    padding: readonly number[],
    ceilMode: boolean,
    countIncludePad: boolean,
  ): Handle;
  adaptiveAvgPool1d(x: Handle, outputSize: readonly number[]): Handle;
  adaptiveAvgPool2d(x: Handle, outputSize: readonly number[]): Handle;
  adaptiveMaxPool1d(x: Handle, outputSize: readonly number[]): Handle;
  adaptiveMaxPool2d(x: Handle, outputSize: readonly number[]): Handle;
  batchNorm(
    x: Handle,
    weight: Handle | null | undefined,
    bias: Handle | null | undefined,
    runningMean: Handle | null | undefined,
    runningVar: Handle | null | undefined,
    training: boolean,
    momentum: number,
    eps: number,
  ): Handle;
  layerNorm(x: Handle, normalizedShape: readonly number[], weight: Handle | null | undefined, bias: Handle | null | undefined, eps: number): Handle;
  groupNorm(x: Handle, numGroups: number, weight: Handle | null | undefined, bias: Handle | null | undefined, eps: number): Handle;
  dropout(a: Handle, p: number, training: boolean): Handle;
  embedding(weight: Handle, indices: Handle, paddingIdx: number): Handle;
  upsampleNearest2d(x: Handle, size: readonly number[], scaleH?: number | null, scaleW?: number | null): Handle;
  upsampleBilinear2d(x: Handle, size: readonly number[], alignCorners: boolean, scaleH?: number | null, scaleW?: number | null): Handle;
  gridSampler2d(x: Handle, grid: Handle, interpolation: number, padding: number, alignCorners: boolean): Handle;
  affineGrid(theta: Handle, size: readonly number[], alignCorners: boolean): Handle;
  pad(x: Handle, pad: readonly number[], mode: string, value?: number | null): Handle;
  crossEntropy(
    input: Handle,
    target: Handle,
    weight: Handle | null | undefined,
    reduction: ReductionCode,
    ignoreIndex: number,
    labelSmoothing: number,
  ): Handle;
  nllLoss(input: Handle, target: Handle, weight: Handle | null | undefined, reduction: ReductionCode, ignoreIndex: number): Handle;
  mseLoss(input: Handle, target: Handle, reduction: ReductionCode): Handle;
  l1Loss(input: Handle, target: Handle, reduction: ReductionCode): Handle;
  smoothL1Loss(input: Handle, target: Handle, reduction: ReductionCode, beta: number): Handle;
  huberLoss(input: Handle, target: Handle, reduction: ReductionCode, delta: number): Handle;
  bce(input: Handle, target: Handle, weight: Handle | null | undefined, reduction: ReductionCode): Handle;
  bceWithLogits(
    input: Handle,
    target: Handle,
    weight: Handle | null | undefined,
    posWeight: Handle | null | undefined,
    reduction: ReductionCode,
  ): Handle;
  klDiv(input: Handle, target: Handle, reduction: ReductionCode, logTarget: boolean): Handle;
  sdpa(q: Handle, k: Handle, v: Handle, mask: Handle | null | undefined, dropoutP: number, isCausal: boolean, scale?: number | null): Handle;
  lstm(
    input: Handle,
    hx: readonly Handle[],
    params: readonly Handle[],
    hasBiases: boolean,
    numLayers: number,
    dropout: number,
    train: boolean,
    bidirectional: boolean,
    batchFirst: boolean,
  ): Handle[];
  gru(
    input: Handle,
    h0: Handle,
    params: readonly Handle[],
    hasBiases: boolean,
    numLayers: number,
    dropout: number,
    train: boolean,
    bidirectional: boolean,
    batchFirst: boolean,
  ): Handle[];
  bilinear(x1: Handle, x2: Handle, weight: Handle, bias?: Handle | null): Handle;
  instanceNorm(
    x: Handle,
    weight: Handle | null | undefined,
    bias: Handle | null | undefined,
    runningMean: Handle | null | undefined,
    runningVar: Handle | null | undefined,
    useInputStats: boolean,
    momentum: number,
    eps: number,
  ): Handle;
  featureDropout(x: Handle, p: number, train: boolean): Handle;
  embeddingBag(weight: Handle, indices: Handle, offsets: Handle, mode: number, perSampleWeights?: Handle | null, paddingIdx?: number | null): Handle;
  neg(a: Handle): Handle;
  abs(a: Handle): Handle;
  exp(a: Handle): Handle;
  expm1(a: Handle): Handle;
  log(a: Handle): Handle;
  log1p(a: Handle): Handle;
  log2(a: Handle): Handle;
  log10(a: Handle): Handle;
  sqrt(a: Handle): Handle;
  rsqrt(a: Handle): Handle;
  square(a: Handle): Handle;
  sin(a: Handle): Handle;
  cos(a: Handle): Handle;
  tan(a: Handle): Handle;
  asin(a: Handle): Handle;
  acos(a: Handle): Handle;
  atan(a: Handle): Handle;
  sinh(a: Handle): Handle;
  cosh(a: Handle): Handle;
  tanh(a: Handle): Handle;
  sigmoid(a: Handle): Handle;
  logit(a: Handle, eps: number | null): Handle;
  relu(a: Handle): Handle;
  silu(a: Handle): Handle;
  mish(a: Handle): Handle;
  selu(a: Handle): Handle;
  logSigmoid(a: Handle): Handle;
  hardsigmoid(a: Handle): Handle;
  hardswish(a: Handle): Handle;
  floor(a: Handle): Handle;
  ceil(a: Handle): Handle;
  round(a: Handle): Handle;
  trunc(a: Handle): Handle;
  frac(a: Handle): Handle;
  sign(a: Handle): Handle;
  reciprocal(a: Handle): Handle;
  erf(a: Handle): Handle;
  erfinv(a: Handle): Handle;
  isnan(a: Handle): Handle;
  isinf(a: Handle): Handle;
  isfinite(a: Handle): Handle;
  logicalNot(a: Handle): Handle;
  bitwiseNot(a: Handle): Handle;
  clone(a: Handle): Handle;
  contiguous(a: Handle): Handle;
  detach(a: Handle): Handle;
  t(a: Handle): Handle;
  nonzero(a: Handle): Handle;
  neg_(a: Handle): void;
  abs_(a: Handle): void;
  exp_(a: Handle): void;
  log_(a: Handle): void;
  sqrt_(a: Handle): void;
  sigmoid_(a: Handle): void;
  tanh_(a: Handle): void;
  relu_(a: Handle): void;
  zero_(a: Handle): void;
  floor_(a: Handle): void;
  ceil_(a: Handle): void;
  round_(a: Handle): void;
  reciprocal_(a: Handle): void;
  square_(a: Handle): void;
  detach_(a: Handle): void;
  mul(a: Handle, b: Handle | Scalar): Handle;
  remainder(a: Handle, b: Handle | Scalar): Handle;
  fmod(a: Handle, b: Handle | Scalar): Handle;
  pow(a: Handle, b: Handle | Scalar): Handle;
  eq(a: Handle, b: Handle | Scalar): Handle;
  ne(a: Handle, b: Handle | Scalar): Handle;
  lt(a: Handle, b: Handle | Scalar): Handle;
  le(a: Handle, b: Handle | Scalar): Handle;
  gt(a: Handle, b: Handle | Scalar): Handle;
  ge(a: Handle, b: Handle | Scalar): Handle;
  maximum(a: Handle, b: Handle | Scalar): Handle;
  minimum(a: Handle, b: Handle | Scalar): Handle;
  logicalAnd(a: Handle, b: Handle | Scalar): Handle;
  logicalOr(a: Handle, b: Handle | Scalar): Handle;
  logicalXor(a: Handle, b: Handle | Scalar): Handle;
  atan2(a: Handle, b: Handle | Scalar): Handle;
  bitwiseAnd(a: Handle, b: Handle | Scalar): Handle;
  bitwiseOr(a: Handle, b: Handle | Scalar): Handle;
  bitwiseXor(a: Handle, b: Handle | Scalar): Handle;
  isclose(a: Handle, b: Handle | Scalar, rtol: number, atol: number, equalNan: boolean): Handle;
  matmul(a: Handle, b: Handle | Scalar): Handle;
  mm(a: Handle, b: Handle | Scalar): Handle;
  bmm(a: Handle, b: Handle | Scalar): Handle;
  outer(a: Handle, b: Handle | Scalar): Handle;
  dot(a: Handle, b: Handle | Scalar): Handle;
  mul_(a: Handle, b: Handle | Scalar): void;
  pow_(a: Handle, b: Handle | Scalar): void;
  remainder_(a: Handle, b: Handle | Scalar): void;
  copy_(a: Handle, b: Handle | Scalar): void;
  maximum_(a: Handle, b: Handle | Scalar): void;
  minimum_(a: Handle, b: Handle | Scalar): void;
  add(a: Handle, other: Handle | Scalar, alpha?: Scalar | null): Handle;
  sub(a: Handle, other: Handle | Scalar, alpha?: Scalar | null): Handle;
  add_(a: Handle, other: Handle | Scalar, alpha?: Scalar | null): void;
  sub_(a: Handle, other: Handle | Scalar, alpha?: Scalar | null): void;
  div(a: Handle, other: Handle | Scalar, roundingMode?: 'trunc' | 'floor' | null): Handle;
  div_(a: Handle, other: Handle | Scalar, roundingMode?: 'trunc' | 'floor' | null): void;
  rpow(base: Scalar, exponent: Handle): Handle;
  where(condition: Handle, a: Handle | Scalar, b: Handle | Scalar): Handle;
  lerp(a: Handle, end: Handle, weight: Handle | Scalar): Handle;
  lerp_(a: Handle, end: Handle, weight: Handle | Scalar): void;
  clamp(a: Handle, min?: Handle | Scalar | null, max?: Handle | Scalar | null): Handle;
  clamp_(a: Handle, min?: Handle | Scalar | null, max?: Handle | Scalar | null): void;
  addcmul(a: Handle, t1: Handle, t2: Handle, value: Scalar): Handle;
  addcdiv(a: Handle, t1: Handle, t2: Handle, value: Scalar): Handle;
  addcmul_(a: Handle, t1: Handle, t2: Handle, value: Scalar): void;
  addcdiv_(a: Handle, t1: Handle, t2: Handle, value: Scalar): void;
  fill_(a: Handle, value: Handle | Scalar): void;
  uniform_(a: Handle, from: number, to: number, gen?: GenHandle | null): void;
  normal_(a: Handle, mean: number, std: number, gen?: GenHandle | null): void;
  bernoulli_(a: Handle, p: number, gen?: GenHandle | null): void;
  generatorNew(device: string, seed: number): GenHandle;
  /** Whether the addon was built with c10d's Gloo process group. */
  distAvailable(): boolean;
  distInit(
    kind: 'tcp' | 'file',
    hostOrPath: string,
    port: number,
    rank: number,
    worldSize: number,
    timeoutMs: number,
    deviceKind: 'hostname' | 'interface' | 'default',
    deviceValue: string,
  ): Promise<GroupHandle>;
  distDestroy(g: GroupHandle): Promise<void>;
  /** op: 0 sum, 1 avg, 2 product, 3 min, 4 max (c10d's ReduceOp order). */
  distAllReduce(g: GroupHandle, tensors: readonly Handle[], op: number): Promise<void>;
  distBroadcast(g: GroupHandle, t: Handle, src: number): Promise<void>;
  distAllGather(g: GroupHandle, outputs: readonly Handle[], input: Handle): Promise<void>;
  distReduceScatter(g: GroupHandle, output: Handle, inputs: readonly Handle[], op: number): Promise<void>;
  distBarrier(g: GroupHandle): Promise<void>;
  /** A new tensor: the sum over ranks, differentiable; blocks until done. */
  distAllReduceDiff(g: GroupHandle, t: Handle): Handle;
  /** DDP's gradient buckets (parameter indices per bucket, in launch order); opaque. */
  ddpReducerNew(g: GroupHandle, params: readonly Handle[], buckets: readonly (readonly number[])[]): ReducerHandle;
  /** Resolves to the number of buckets launched during backward. */
  ddpReducerFinish(r: ReducerHandle): Promise<number>;
  ddpReducerRelease(r: ReducerHandle): void;
  generatorManualSeed(g: GenHandle, seed: number): void;
  /** Seeds reach 2^64: a decimal string. */
  generatorInitialSeed(g: GenHandle): string;
  generatorGetState(g: GenHandle): Handle;
  generatorSetState(g: GenHandle, state: Handle): void;
  generatorDevice(g: GenHandle): string;
  maskedFill(a: Handle, mask: Handle, value: Handle | Scalar): Handle;
  maskedFill_(a: Handle, mask: Handle, value: Handle | Scalar): void;
  gelu(a: Handle, approximate?: 'none' | 'tanh' | null): Handle;
  leakyRelu(a: Handle, negativeSlope: Scalar): Handle;
  softplus(a: Handle, beta: Scalar, threshold: Scalar): Handle;
  elu(a: Handle, alpha: Scalar): Handle;
  hardtanh(a: Handle, minVal: Scalar, maxVal: Scalar): Handle;
  softmax(a: Handle, dim: number, dtype?: DTypeCode | null): Handle;
  logSoftmax(a: Handle, dim: number, dtype?: DTypeCode | null): Handle;
  allclose(a: Handle, b: Handle, rtol: number, atol: number, equalNan: boolean): boolean;
  equal(a: Handle, b: Handle): boolean;
  to(a: Handle, dtype: DTypeCode | null | undefined, device: string | null | undefined, copy: boolean): Handle;
  sum(a: Handle, dims: readonly number[] | null | undefined, keepdim: boolean, dtype?: DTypeCode | null): Handle;
  mean(a: Handle, dims: readonly number[] | null | undefined, keepdim: boolean, dtype?: DTypeCode | null): Handle;
  amax(a: Handle, dims: readonly number[] | null | undefined, keepdim: boolean): Handle;
  amin(a: Handle, dims: readonly number[] | null | undefined, keepdim: boolean): Handle;
  logsumexp(a: Handle, dims: readonly number[] | null | undefined, keepdim: boolean): Handle;
  std(a: Handle, dims: readonly number[] | null | undefined, unbiased: boolean, keepdim: boolean): Handle;
  var(a: Handle, dims: readonly number[] | null | undefined, unbiased: boolean, keepdim: boolean): Handle;
  prod(a: Handle, dim: number | null | undefined, keepdim: boolean, dtype?: DTypeCode | null): Handle;
  all(a: Handle, dim: number | null | undefined, keepdim: boolean): Handle;
  any(a: Handle, dim: number | null | undefined, keepdim: boolean): Handle;
  norm(a: Handle, p: Scalar, dims: readonly number[] | null | undefined, keepdim: boolean): Handle;
  max(a: Handle): Handle;
  min(a: Handle): Handle;
  maxDim(a: Handle, dim: number, keepdim: boolean): Handle[];
  minDim(a: Handle, dim: number, keepdim: boolean): Handle[];
  argmax(a: Handle, dim: number | null | undefined, keepdim: boolean): Handle;
  argmin(a: Handle, dim: number | null | undefined, keepdim: boolean): Handle;
  cumsum(a: Handle, dim: number, dtype?: DTypeCode | null): Handle;
  cumprod(a: Handle, dim: number, dtype?: DTypeCode | null): Handle;
  topk(a: Handle, k: number, dim: number, largest: boolean, sorted: boolean): Handle[];
  sort(a: Handle, dim: number, descending: boolean, stable: boolean): Handle[];
  unique(a: Handle, sorted: boolean, returnInverse: boolean, returnCounts: boolean): Handle[];
  bincount(a: Handle, weights: Handle | null | undefined, minlength: number): Handle;
  histc(a: Handle, bins: number, min: number, max: number): Handle;
  median(a: Handle): Handle;
  countNonzero(a: Handle, dim?: number | null): Handle;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setBlasThreads(n: number): boolean;
  getBlasThreads(): number | null;
  manualSeed(seed: number): void;
  cudaDeviceCount(): number;
  cudaSynchronize(): void;
  setGradEnabled(enabled: boolean): void;
  isGradEnabled(): boolean;
  parallelInfo(): string;
  autocastState(deviceType: 'cpu' | 'cuda'): { enabled: boolean; dtype: DTypeCode };
  setAutocast(deviceType: 'cpu' | 'cuda', enabled: boolean, dtype: DTypeCode): void;
  autocastEnter(): number;
  autocastExit(): number;
  trimHostMemory(): boolean;
  timeNativeAdd(a: Handle, b: Handle, n: number): number;
  alias(t: Handle): Handle;
  reshape(a: Handle, shape: readonly number[]): Handle;
  view(a: Handle, shape: readonly number[]): Handle;
  flatten(a: Handle, startDim: number, endDim: number): Handle;
  unflatten(a: Handle, dim: number, sizes: readonly number[]): Handle;
  squeeze(a: Handle, dim?: number | null): Handle;
  unsqueeze(a: Handle, dim: number): Handle;
  permute(a: Handle, dims: readonly number[]): Handle;
  transpose(a: Handle, dim0: number, dim1: number): Handle;
  movedim(a: Handle, source: number, destination: number): Handle;
  expand(a: Handle, sizes: readonly number[]): Handle;
  repeat(a: Handle, repeats: readonly number[]): Handle;
  narrow(a: Handle, dim: number, start: number, length: number): Handle;
  select(a: Handle, dim: number, index: number): Handle;
  slice(a: Handle, dim: number, start: number | null | undefined, end: number | null | undefined, step: number): Handle;
  diagonal(a: Handle, offset: number, dim1: number, dim2: number): Handle;
  index(a: Handle, indices: readonly (Handle | null)[]): Handle;
  indexPut_(a: Handle, indices: readonly (Handle | null)[], values: Handle | Scalar, accumulate: boolean): void;
  indexSelect(a: Handle, dim: number, index: Handle): Handle;
  maskedSelect(a: Handle, mask: Handle): Handle;
  gather(a: Handle, dim: number, index: Handle): Handle;
  scatter(a: Handle, dim: number, index: Handle, src: Handle | Scalar): Handle;
  scatterAdd(a: Handle, dim: number, index: Handle, src: Handle): Handle;
  cat(tensors: readonly Handle[], dim: number): Handle;
  stack(tensors: readonly Handle[], dim: number): Handle;
  split(a: Handle, sizeOrSizes: readonly number[] | number, dim: number): Handle[];
  chunk(a: Handle, chunks: number, dim: number): Handle[];
  unbind(a: Handle, dim: number): Handle[];
  flip(a: Handle, dims: readonly number[]): Handle;
  roll(a: Handle, shifts: readonly number[], dims: readonly number[]): Handle;
  tril(a: Handle, diagonal: number): Handle;
  triu(a: Handle, diagonal: number): Handle;
  /** libtorch's version the addon was built against, "major.minor". */
  readonly torchVersion: string;
  /** Whether libtorch has the fused _foreach_lerp_ (2.0+); older ones loop in C++. */
  readonly hasNativeForeachLerp: boolean;
  /** What the addon did to glibc's malloc at load: 'on', 'off' (FLINT_MALLOC_TUNING=0), 'user' (the user's
   * own MALLOC_* settings), 'refused' (mallopt said no) or 'unsupported' (not glibc). */
  readonly mallocTuning: MallocTuning;
}
export type MallocTuning = 'on' | 'off' | 'user' | 'refused' | 'unsupported';

/** Every export of the addon (by source file; the test compares it with the loaded addon's keys as a set). */
export const NATIVE_EXPORTS = [
  'backward',
  'grad',
  'setGrad',
  'retainGrad',
  'setData_',
  'requiresGrad_',
  'gradFnName',
  'autogradGrad',
  'foreachAdd_',
  'foreachMul_',
  'foreachDiv_',
  'foreachAddcmul_',
  'foreachAddcdiv_',
  'foreachSqrt',
  'foreachSqrt_',
  'foreachZero_',
  'foreachNorm',
  'foreachLerp_',
  'foreachCopy_',
  'fromTyped',
  'zeros',
  'ones',
  'empty',
  'full',
  'rand',
  'randn',
  'randint',
  'arange',
  'linspace',
  'eye',
  'randperm',
  'scalarTensor',
  'randpermSeeded',
  'standardGamma',
  'setErrorClass',
  'dispose',
  'isDisposed',
  'memory',
  'shape',
  'strides',
  'dtype',
  'device',
  'requiresGrad',
  'isContiguous',
  'isLeaf',
  'item',
  'toTypedArray',
  'bytes',
  'addmm',
  'baddbmm',
  'einsum',
  'linalgQr',
  'linear',
  'conv1d',
  'conv2d',
  'convTranspose2d',
  'maxPool1d',
  'maxPool2d',
  'maxPool2dWithIndices',
  'avgPool1d',
  'avgPool2d',
  'adaptiveAvgPool1d',
  'adaptiveAvgPool2d',
  'adaptiveMaxPool1d',
  'adaptiveMaxPool2d',
  'batchNorm',
  'layerNorm',
  'groupNorm',
  'dropout',
  'embedding',
  'upsampleNearest2d',
  'upsampleBilinear2d',
  'gridSampler2d',
  'affineGrid',
  'pad',
  'crossEntropy',
  'nllLoss',
  'mseLoss',
  'l1Loss',
  'smoothL1Loss',
  'huberLoss',
  'bce',
  'bceWithLogits',
  'klDiv',
  'sdpa',
  'lstm',
  'gru',
  'bilinear',
  'instanceNorm',
  'featureDropout',
  'embeddingBag',
  'neg',
  'abs',
  'exp',
  'expm1',
  'log',
  'log1p',
  'log2',
  'log10',
  'sqrt',
  'rsqrt',
  'square',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'tanh',
  'sigmoid',
  'logit',
  'relu',
  'silu',
  'mish',
  'selu',
  'logSigmoid',
  'hardsigmoid',
  'hardswish',
  'floor',
  'ceil',
  'round',
  'trunc',
  'frac',
  'sign',
  'reciprocal',
  'erf',
  'erfinv',
  'isnan',
  'isinf',
  'isfinite',
  'logicalNot',
  'bitwiseNot',
  'clone',
  'contiguous',
  'detach',
  't',
  'nonzero',
  'neg_',
  'abs_',
  'exp_',
  'log_',
  'sqrt_',
  'sigmoid_',
  'tanh_',
  'relu_',
  'zero_',
  'floor_',
  'ceil_',
  'round_',
  'reciprocal_',
  'square_',
  'detach_',
  'mul',
  'remainder',
  'fmod',
  'pow',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'maximum',
  'minimum',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
  'atan2',
  'bitwiseAnd',
  'bitwiseOr',
  'bitwiseXor',
  'isclose',
  'matmul',
  'mm',
  'bmm',
  'outer',
  'dot',
  'mul_',
  'pow_',
  'remainder_',
  'copy_',
  'maximum_',
  'minimum_',
  'add',
  'sub',
  'add_',
  'sub_',
  'div',
  'div_',
  'rpow',
  'where',
  'lerp',
  'lerp_',
  'clamp',
  'clamp_',
  'addcmul',
  'addcdiv',
  'addcmul_',
  'addcdiv_',
  'fill_',
  'uniform_',
  'normal_',
  'bernoulli_',
  'generatorNew',
  'distAvailable',
  'distInit',
  'distDestroy',
  'distAllReduce',
  'distBroadcast',
  'distAllGather',
  'distReduceScatter',
  'distBarrier',
  'distAllReduceDiff',
  'ddpReducerNew',
  'ddpReducerFinish',
  'ddpReducerRelease',
  'generatorManualSeed',
  'generatorInitialSeed',
  'generatorGetState',
  'generatorSetState',
  'generatorDevice',
  'maskedFill',
  'maskedFill_',
  'gelu',
  'leakyRelu',
  'softplus',
  'elu',
  'hardtanh',
  'softmax',
  'logSoftmax',
  'allclose',
  'equal',
  'to',
  'sum',
  'mean',
  'amax',
  'amin',
  'logsumexp',
  'std',
  'var',
  'prod',
  'all',
  'any',
  'norm',
  'max',
  'min',
  'maxDim',
  'minDim',
  'argmax',
  'argmin',
  'cumsum',
  'cumprod',
  'topk',
  'sort',
  'unique',
  'bincount',
  'histc',
  'median',
  'countNonzero',
  'setNumThreads',
  'getNumThreads',
  'setBlasThreads',
  'getBlasThreads',
  'manualSeed',
  'cudaDeviceCount',
  'cudaSynchronize',
  'setGradEnabled',
  'isGradEnabled',
  'parallelInfo',
  'autocastState',
  'setAutocast',
  'autocastEnter',
  'autocastExit',
  'trimHostMemory',
  'timeNativeAdd',
  'alias',
  'reshape',
  'view',
  'flatten',
  'unflatten',
  'squeeze',
  'unsqueeze',
  'permute',
  'transpose',
  'movedim',
  'expand',
  'repeat',
  'narrow',
  'select',
  'slice',
  'diagonal',
  'index',
  'indexPut_',
  'indexSelect',
  'maskedSelect',
  'gather',
  'scatter',
  'scatterAdd',
  'cat',
  'stack',
  'split',
  'chunk',
  'unbind',
  'flip',
  'roll',
  'tril',
  'triu',
  'torchVersion',
  'hasNativeForeachLerp',
  'mallocTuning',
  'decodeImage',
  'imageInfo',
  'augmentAsync',
] as const;

// The list and the interface name the same set: a name missing from either fails to compile here.
type Listed = (typeof NATIVE_EXPORTS)[number];
type SameSet = [Exclude<keyof NativeAddon, Listed>, Exclude<Listed, keyof NativeAddon>] extends [never, never] ? true : false;
const exportsMatchInterface: SameSet = true;
void exportsMatchInterface;
