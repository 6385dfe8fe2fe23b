// Mixed-precision training steps for the GPU benchmark: the forward pass and loss under autocast (float16 on
// CUDA, bfloat16 on the CPU), the loss scaled by optim.GradScaler, gradients unscaled and checked, the SGD update
// skipped on overflow, the scale updated. bench/torch_steps.py does the same with torch.autocast and PyTorch's
// GradScaler.
import { optim, torch } from '../src/index.js';
import { type Model, stepData } from './models.js';

const F = torch.functional;

export function makeAmpStep(m: Model, device: string): () => void {
  const { params, x, y } = stepData(m, device);
  const cuda = device !== 'cpu';
  const scaler = new optim.GradScaler({ enabled: cuda });
  const autocast = { deviceType: cuda ? ('cuda' as const) : ('cpu' as const), dtype: cuda ? 'float16' : 'bfloat16' };
  return () =>
    torch.tidy(() => {
      const loss = torch.autocast(autocast, () => F.crossEntropy(m.forward(x, params), y));
      scaler.scale(loss).backward();
      const found = scaler.unscale_(params);
      // the one host read per step, as PyTorch's GradScaler.step makes
      if (found.item() === 0) {
        torch.noGrad(() => {
          for (const p of params) p.sub_(p.grad!, 0.01);
        });
      }
      scaler.update(found);
      for (const p of params) p.grad = null;
    });
}
