// torchvision's ResNets (resnet18 ... resnet152), module for module: the same attribute names and order, so the
// state-dict keys and shapes are torchvision's and its checkpoints (converted to safetensors) load unchanged.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { Sequential } from '../layers/container.js';
import { Conv2d } from '../layers/conv.js';
import { BatchNorm2d } from '../layers/norm.js';
import { ReLU } from '../layers/activation.js';
import { MaxPool2d, AdaptiveAvgPool2d } from '../layers/pooling.js';
import { Linear } from '../layers/linear.js';
import * as init from '../init.js';
import { checkTensor, fail, nameError, optBool } from '../check.js';
import { argInt, argObject, or } from './args.js';
import { registerModel, setModelMeta, IMAGENET_STATS, type ModelArgs } from './registry.js';

export interface ResNetArgs {
  /** Outputs of the final Linear (torchvision's num_classes). Default 1000. */
  numClasses?: number;
  /** Start the last BatchNorm of each block at zero, so each block starts as its shortcut (torchvision's
   * zero_init_residual). Default false. */
  zeroInitResidual?: boolean;
}

const conv3x3 = (cin: number, cout: number, stride = 1) => new Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
const conv1x1 = (cin: number, cout: number, stride = 1) => new Conv2d(cin, cout, 1, { stride, bias: false });

/** torchvision's BasicBlock: two 3x3 convolutions (conv1/bn1, conv2/bn2), the shortcut through `downsample`
 * when the shape changes. */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;
  constructor(inplanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super();
    this.conv1 = this.registerModule('conv1', conv3x3(inplanes, planes, stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.relu = this.registerModule('relu', new ReLU());
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.downsample = downsample && this.registerModule('downsample', downsample);
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const out = this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
      return this.relu.call(out.add(this.downsample ? this.downsample.call(x) : x));
    });
  }
}

/** torchvision's Bottleneck (v1.5: the stride on the 3x3 convolution): 1x1 -> 3x3 -> 1x1 (x4 channels). */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu: ReLU;
  readonly downsample: Sequential | null;
  constructor(inplanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super();
    this.conv1 = this.registerModule('conv1', conv1x1(inplanes, planes));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, stride));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.registerModule('conv3', conv1x1(planes, planes * 4));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(planes * 4));
    this.relu = this.registerModule('relu', new ReLU());
    this.downsample = downsample && this.registerModule('downsample', downsample);
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
      out = this.relu.call(this.bn2.call(this.conv2.call(out)));
      out = this.bn3.call(this.conv3.call(out));
      return this.relu.call(out.add(this.downsample ? this.downsample.call(x) : x));
    });
  }
}

type Block = typeof BasicBlock | typeof Bottleneck;

/** torchvision's ResNet: conv1, bn1, relu, maxpool, layer1..layer4, avgpool, fc (children in that order, so
 * the body before the pooling layer is every child but the last two: fastai's cut of -2). */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly maxpool: MaxPool2d;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly fc: Linear;
  private inplanes = 64;

  /** `fn` is the public name errors carry ('models.resnet18'). */
  constructor(
    readonly fn: string,
    block: Block,
    layers: readonly number[],
    numClasses: number,
    zeroInitResidual: boolean,
  ) {
    super();
    try {
      this.conv1 = this.registerModule('conv1', new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false }));
      this.bn1 = this.registerModule('bn1', new BatchNorm2d(64));
      this.relu = this.registerModule('relu', new ReLU());
      this.maxpool = this.registerModule('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }));
      this.layer1 = this.registerModule('layer1', this.makeLayer(block, 64, layers[0]!, 1));
      this.layer2 = this.registerModule('layer2', this.makeLayer(block, 128, layers[1]!, 2));
      this.layer3 = this.registerModule('layer3', this.makeLayer(block, 256, layers[2]!, 2));
      this.layer4 = this.registerModule('layer4', this.makeLayer(block, 512, layers[3]!, 2));
      this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d([1, 1]));
      this.fc = this.registerModule('fc', new Linear(512 * block.expansion, numClasses));
    } catch (e) {
      this.dispose(); // the layers made before the failure (a numClasses too large for memory)
      throw nameError(fn, e);
    }
    // torchvision's init: He normal (fan_out) for the convolutions, BatchNorm at (1, 0), the Linear as PyTorch's
    torch.noGrad(() => {
      for (const m of this.modules()) {
        if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
        else if (m instanceof BatchNorm2d) {
          init.ones_(m.weight!);
          init.zeros_(m.bias!);
        }
      }
      if (zeroInitResidual)
        for (const m of this.modules()) {
          if (m instanceof Bottleneck) init.zeros_(m.bn3.weight!);
          else if (m instanceof BasicBlock) init.zeros_(m.bn2.weight!);
        }
    });
  }

  private makeLayer(block: Block, planes: number, blocks: number, stride: number): Sequential {
    const out = planes * block.expansion;
    const downsample = stride !== 1 || this.inplanes !== out ? new Sequential(conv1x1(this.inplanes, out, stride), new BatchNorm2d(out)) : null;
    const list: Module[] = [new block(this.inplanes, planes, stride, downsample)];
    this.inplanes = out;
    for (let i = 1; i < blocks; i++) list.push(new block(this.inplanes, planes, 1, null));
    return new Sequential(...list);
  }

  forward(x: Tensor): Tensor {
    const t = checkTensor(this.fn, 'input', x);
    const dtype = this.conv1.weight.dtype;
    if (t.ndim !== 4 || t.shape[1] !== 3 || t.dtype !== dtype)
      fail(this.fn, 'input', `a ${dtype} tensor [N, 3, H, W] (RGB images, the weights' dtype; H and W of 32 or more)`, t);
    return torch.tidy(() => {
      let y = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(t))));
      y = this.layer4.call(this.layer3.call(this.layer2.call(this.layer1.call(y))));
      return this.fc.call(this.avgpool.call(y).flatten(1));
    });
  }
}

/** The blocks per stage and the block type of each torchvision depth. */
const DEPTHS = {
  resnet18: [BasicBlock, [2, 2, 2, 2]],
  resnet34: [BasicBlock, [3, 4, 6, 3]],
  resnet50: [Bottleneck, [3, 4, 6, 3]],
  resnet101: [Bottleneck, [3, 4, 23, 3]],
  resnet152: [Bottleneck, [3, 8, 36, 3]],
} as const satisfies Record<string, readonly [Block, readonly number[]]>;
export type ResNetName = keyof typeof DEPTHS;

function make(name: ResNetName, a: ResNetArgs | undefined): ResNet {
  const fn = `models.${name}`;
  const args = argObject(fn, a, ['numClasses', 'zeroInitResidual']);
  const numClasses = argInt(fn, 'numClasses', or(args.numClasses, 1000));
  const zero = optBool(fn, 'zeroInitResidual', args.zeroInitResidual, false);
  const [block, layers] = DEPTHS[name];
  return new ResNet(fn, block, layers, numClasses, zero);
}

/** torchvision's resnet18 (BasicBlock, [2, 2, 2, 2]); 11,689,512 parameters with 1000 classes. */
export const resnet18 = (a?: ResNetArgs): ResNet => make('resnet18', a);
/** torchvision's resnet34 (BasicBlock, [3, 4, 6, 3]). */
export const resnet34 = (a?: ResNetArgs): ResNet => make('resnet34', a);
/** torchvision's resnet50 (Bottleneck, [3, 4, 6, 3]). */
export const resnet50 = (a?: ResNetArgs): ResNet => make('resnet50', a);
/** torchvision's resnet101 (Bottleneck, [3, 4, 23, 3]). */
export const resnet101 = (a?: ResNetArgs): ResNet => make('resnet101', a);
/** torchvision's resnet152 (Bottleneck, [3, 8, 36, 3]). */
export const resnet152 = (a?: ResNetArgs): ResNet => make('resnet152', a);

for (const name of Object.keys(DEPTHS) as ResNetName[]) {
  registerModel(name, (a: ModelArgs) => make(name, a as ResNetArgs));
  // fastai's _resnet_meta: body = children[:-2]; groups body[:6] (to layer2), body[6:] (layer3, layer4), the head
  setModelMeta(name, { cut: -2, split: [6], stats: IMAGENET_STATS });
}
