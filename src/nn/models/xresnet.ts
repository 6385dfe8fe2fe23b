// fastai's XResNet (fastai.vision.models.xresnet, "bag of tricks" ResNet-D): a stem of three 3x3 ConvLayers,
// ResBlocks whose shortcut average-pools before its 1x1 convolution, the last BatchNorm of each residual branch
// at zero, He init. The modules are fastai's (an nn.Sequential of ConvLayers = Sequential(conv, bn, relu), ResBlock
// with convpath / idpath / act), so the state-dict keys are fastai's ('4.0.convpath.0.0.weight', '11.bias').
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { Sequential } from '../layers/container.js';
import { Conv2d } from '../layers/conv.js';
import { BatchNorm2d } from '../layers/norm.js';
import { ReLU } from '../layers/activation.js';
import { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from '../layers/pooling.js';
import { Linear, Flatten } from '../layers/linear.js';
import { Dropout } from '../layers/dropout.js';
import * as init from '../init.js';
import { checkTensor, fail, nameError } from '../check.js';
import { argInt, argObject, argProb, or } from './args.js';
import { registerModel, setModelMeta, IMAGENET_STATS, type ModelArgs } from './registry.js';

export interface XResNetArgs {
  /** Outputs of the final Linear (fastai's n_out). Default 1000. */
  nOut?: number;
  /** Input channels (fastai's c_in). Default 3. */
  cIn?: number;
  /** Dropout before the final Linear (fastai's p). Default 0. */
  p?: number;
}

/** fastai's ConvLayer with BatchNorm: Sequential(conv (no bias), BatchNorm, ReLU if `act`). `zero` is
 * fastai's NormType.BatchZero: the norm's weight starts at 0. */
function convLayer(ni: number, nf: number, ks: number, o: { stride?: number; act?: boolean; zero?: boolean } = {}): Sequential {
  const conv = new Conv2d(ni, nf, ks, { stride: o.stride ?? 1, padding: (ks - 1) >> 1, bias: false });
  const bn = new BatchNorm2d(nf);
  torch.noGrad(() => init.constant_(bn.weight!, o.zero ? 0 : 1));
  return o.act === false ? new Sequential(conv, bn) : new Sequential(conv, bn, new ReLU());
}

/** fastai's ResBlock (BatchNorm, ReLU, pool first): act(convpath(x) + idpath(x)), where idpath is
 * [AvgPool2d(2, ceil_mode) if strided, 1x1 ConvLayer without activation if the channels change]. */
export class ResBlock extends Module {
  readonly convpath: Sequential;
  readonly idpath: Sequential;
  readonly act: ReLU;
  constructor(expansion: number, ni: number, nf: number, stride: number) {
    super();
    const nh = nf; // fastai's nh1 = nh2 = nf, before the expansion
    nf *= expansion;
    ni *= expansion;
    const path =
      expansion === 1
        ? [convLayer(ni, nh, 3, { stride }), convLayer(nh, nf, 3, { act: false, zero: true })]
        : [convLayer(ni, nh, 1), convLayer(nh, nh, 3, { stride }), convLayer(nh, nf, 1, { act: false, zero: true })];
    this.convpath = this.registerModule('convpath', new Sequential(...path));
    const id: Module[] = [];
    if (stride !== 1) id.push(new AvgPool2d(2, { ceilMode: true }));
    if (ni !== nf) id.push(convLayer(ni, nf, 1, { act: false }));
    this.idpath = this.registerModule('idpath', new Sequential(...id));
    this.act = this.registerModule('act', new ReLU());
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.act.call(this.convpath.call(x).add(this.idpath.call(x))));
  }
}

/** fastai's init_cnn: every bias (BatchNorm's included) at 0, conv and linear weights He normal (fan_in). */
function initCnn(m: Module): void {
  torch.noGrad(() => {
    for (const x of m.modules()) {
      if (x instanceof Conv2d || x instanceof Linear || x instanceof BatchNorm2d) if (x.bias) init.zeros_(x.bias);
      if (x instanceof Conv2d || x instanceof Linear) init.kaimingNormal_(x.weight);
    }
  });
}

/** fastai's XResNet: a Sequential of the stem (3 ConvLayers), MaxPool, four stages of ResBlocks,
 * AdaptiveAvgPool, Flatten, Dropout, Linear (indices 0-11; the body is the first 8: fastai's cut of -4). */
export class XResNet extends Sequential {
  /** Use the factories (models.xresnet18 ...): `modules` are the 12 children they build. */
  constructor(
    readonly fn: string,
    modules: Module[],
  ) {
    super(...modules);
    initCnn(this);
  }

  override forward(x: Tensor): Tensor {
    const t = checkTensor(this.fn, 'input', x);
    const conv = this.children()[0]!.children()[0] as Conv2d;
    const [cIn, dtype] = [conv.inChannels, conv.weight.dtype];
    if (t.ndim !== 4 || t.shape[1] !== cIn || t.dtype !== dtype)
      fail(this.fn, 'input', `a ${dtype} tensor [N, ${cIn}, H, W] (the weights' dtype; H and W of 32 or more)`, t);
    return torch.tidy(() => super.forward(t));
  }
}

const DEPTHS = {
  xresnet18: [1, [2, 2, 2, 2]],
  xresnet34: [1, [3, 4, 6, 3]],
  xresnet50: [4, [3, 4, 6, 3]],
  xresnet101: [4, [3, 4, 23, 3]],
  xresnet152: [4, [3, 8, 36, 3]],
} as const satisfies Record<string, readonly [number, readonly number[]]>;
export type XResNetName = keyof typeof DEPTHS;

function make(name: XResNetName, a: XResNetArgs | undefined): XResNet {
  const fn = `models.${name}`;
  const args = argObject(fn, a, ['nOut', 'cIn', 'p']);
  const nOut = argInt(fn, 'nOut', or(args.nOut, 1000));
  const cIn = argInt(fn, 'cIn', or(args.cIn, 3));
  const p = argProb(fn, 'p', or(args.p, 0));
  const [expansion, layers] = DEPTHS[name];
  const made: Module[] = [];
  try {
    const szs = [cIn, 32, 32, 64];
    for (let i = 0; i < 3; i++) made.push(convLayer(szs[i]!, szs[i + 1]!, 3, { stride: i === 0 ? 2 : 1 }));
    made.push(new MaxPool2d(3, { stride: 2, padding: 1 }));
    const szOf = [64 / expansion, 64, 128, 256, 512]; // fastai's block_szs
    layers.forEach((n, i) => {
      const block = (j: number) => new ResBlock(expansion, j === 0 ? szOf[i]! : szOf[i + 1]!, szOf[i + 1]!, j === 0 && i > 0 ? 2 : 1);
      made.push(new Sequential(...Array.from({ length: n }, (_, j) => block(j))));
    });
    made.push(new AdaptiveAvgPool2d(1), new Flatten(), new Dropout(p), new Linear(512 * expansion, nOut));
  } catch (e) {
    for (const m of made) m.dispose(); // the layers made before the failure (an nOut too large for memory)
    throw nameError(fn, e);
  }
  return new XResNet(fn, made);
}

/** fastai's xresnet18 (expansion 1, [2, 2, 2, 2]); 11,708,744 parameters with 1000 outputs. */
export const xresnet18 = (a?: XResNetArgs): XResNet => make('xresnet18', a);
/** fastai's xresnet34 (expansion 1, [3, 4, 6, 3]). */
export const xresnet34 = (a?: XResNetArgs): XResNet => make('xresnet34', a);
/** fastai's xresnet50 (expansion 4, [3, 4, 6, 3]). */
export const xresnet50 = (a?: XResNetArgs): XResNet => make('xresnet50', a);
/** fastai's xresnet101 (expansion 4, [3, 4, 23, 3]). */
export const xresnet101 = (a?: XResNetArgs): XResNet => make('xresnet101', a);
/** fastai's xresnet152 (expansion 4, [3, 8, 36, 3]). */
export const xresnet152 = (a?: XResNetArgs): XResNet => make('xresnet152', a);

for (const name of Object.keys(DEPTHS) as XResNetName[]) {
  registerModel(name, (a: ModelArgs) => make(name, a as XResNetArgs));
  // fastai's _xresnet_meta: body = children[:-4]; groups body[:3] (the stem), body[3:], the head
  setModelMeta(name, { cut: -4, split: [3], stats: IMAGENET_STATS });
}
