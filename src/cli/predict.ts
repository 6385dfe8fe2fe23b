// `flint predict <export> <input>`: loads an export in this process and predicts every item of the input (a CSV
// file for a tabular export, an IDX image file for an image export), writing CSV: row, prediction and, for
// classifiers, the predicted class's probability.
import { stringify } from 'csv-stringify/sync';
import { data, loadLearner, torch, type Tensor } from '../index.js';

export interface PredictOptions {
  batchSize?: number;
  device?: string;
}

export interface Prediction {
  row: number;
  prediction: string | number;
  probability?: number;
}

function inputs(prep: data.Preprocessing, input: string): Tensor {
  if (prep.kind === 'tabular') return data.tabularInputs(prep, input);
  return data.imageInputs(prep, data.readIdx(input));
}

export async function predict(exportFile: string, input: string, o: PredictOptions = {}): Promise<Prediction[]> {
  const device = o.device ?? 'cpu';
  const learn = loadLearner(exportFile, { device });
  const prep = learn.dls.preprocessing;
  if (!prep)
    throw new torch.FlintError(
      `flint predict: ${exportFile} has no preprocessing to apply to raw input (export a Learner whose DataLoaders carry one)`,
    );
  const x = inputs(prep, input);
  const dl = new data.DataLoader(new data.TensorDataset(x), { batchSize: o.batchSize ?? 256, device });
  const { preds, decoded } = await learn.getPreds({ dl, withDecoded: true });
  const out: Prediction[] = [];
  torch.tidy(() => {
    if (prep.vocab) {
      const cls = decoded!.toTypedArray() as BigInt64Array;
      const prob = preds.max(1).values.toTypedArray() as Float32Array;
      cls.forEach((c, i) => out.push({ row: i + 1, prediction: prep.vocab![Number(c)]!, probability: prob[i]! }));
    } else {
      (decoded!.reshape(-1).float().toTypedArray() as Float32Array).forEach((v, i) => out.push({ row: i + 1, prediction: Number(v.toPrecision(7)) }));
    }
  });
  torch.dispose([x, preds, decoded!]);
  learn.model.dispose();
  return out;
}

/** The predictions as CSV text with a header. */
export function predictionsCsv(rows: Prediction[]): string {
  const withProb = rows.some((r) => r.probability !== undefined);
  return stringify(
    rows.map((r) => (withProb ? [r.row, r.prediction, r.probability!.toFixed(6)] : [r.row, r.prediction])),
    { header: true, columns: withProb ? ['row', 'prediction', 'probability'] : ['row', 'prediction'] },
  );
}
