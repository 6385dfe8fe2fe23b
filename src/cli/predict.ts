// `flint predict <export> <input>`: loads an export in this process and predicts every item of the input (a CSV
// file for a tabular export; an image file, a folder of images or an IDX image file for an image export), writing
// CSV: row (or the image's file), prediction and, for classifiers, the predicted class's probability.
import { stringify } from 'csv-stringify/sync';
import { data, loadLearner, tabular, torch, type Learner, type Tensor } from '../index.js';
import { imageFiles, imageFilesInputs } from './predict-images.js';

export interface PredictOptions {
  batchSize?: number;
  device?: string;
}

export interface Prediction {
  row: number;
  /** The image predicted (image files and folders). */
  file?: string;
  prediction: string | number;
  probability?: number;
}

export async function predict(exportFile: string, input: string, o: PredictOptions = {}): Promise<Prediction[]> {
  const device = o.device ?? 'cpu';
  const learn = loadLearner(exportFile, { device });
  const prep = learn.dls.preprocessing;
  if (!prep)
    throw new torch.FlintError(
      `flint predict: ${exportFile} has no preprocessing to apply to raw input (export a Learner whose DataLoaders carry one)`,
    );
  const batchSize = o.batchSize ?? 256;
  const files = prep.kind === 'image' ? imageFiles(input) : null;
  let out: Prediction[];
  if (learn.dls instanceof tabular.TabularDataLoaders) out = await predictLoader(learn, prep, learn.dls.testDl(input, { batchSize }));
  else if (files === null)
    out = await predictTensor(learn, prep, data.imageInputs(prep as data.ImagePreprocessing, data.readIdx(input)), batchSize, device);
  else {
    // a chunk of files at a time, so a big folder is never decoded all at once
    out = [];
    for (let i = 0; i < files.length; i += batchSize) {
      const chunk = files.slice(i, i + batchSize);
      const x = await imageFilesInputs(prep as data.ImagePreprocessing, chunk);
      const rows = await predictTensor(learn, prep, x, batchSize, device);
      rows.forEach((r, j) => out.push({ ...r, row: i + j + 1, file: chunk[j]! }));
    }
  }
  learn.model.dispose();
  return out;
}

/** The predictions for model inputs (the tensor is disposed). */
async function predictTensor(learn: Learner, prep: data.Preprocessing, x: Tensor, batchSize: number, device: string): Promise<Prediction[]> {
  try {
    return await predictLoader(learn, prep, new data.DataLoader(new data.TensorDataset(x), { batchSize, device }));
  } finally {
    x.dispose();
  }
}

/** The predictions for a loader's inputs, in order. */
async function predictLoader(learn: Learner, prep: data.Preprocessing, dl: data.DataLoader<any>): Promise<Prediction[]> {
  const { preds, decoded, targets } = await learn.getPreds({ dl, withDecoded: true });
  torch.dispose(targets);
  const out: Prediction[] = [];
  torch.tidy(() => {
    if (prep.kind === 'tabular' && prep.yBlock === 'multiCategory') {
      // the labels predicted, ';'-separated
      const k = prep.vocab!.length;
      const hot = decoded!.to({ dtype: 'uint8' }).reshape([-1]).toTypedArray() as Uint8Array;
      for (let i = 0; i < hot.length / k; i++) out.push({ row: i + 1, prediction: prep.vocab!.filter((_, j) => hot[i * k + j]).join(';') });
    } else if (prep.vocab) {
      const cls = decoded!.toTypedArray() as BigInt64Array;
      const prob = preds.max(1).values.toTypedArray() as Float32Array;
      cls.forEach((c, i) => out.push({ row: i + 1, prediction: prep.vocab![Number(c)]!, probability: prob[i]! }));
    } else {
      (decoded!.reshape(-1).float().toTypedArray() as Float32Array).forEach((v, i) => out.push({ row: i + 1, prediction: Number(v.toPrecision(7)) }));
    }
  });
  torch.dispose([preds, decoded!]);
  return out;
}

/** The predictions as CSV text with a header. */
export function predictionsCsv(rows: Prediction[]): string {
  const withProb = rows.some((r) => r.probability !== undefined);
  const withFile = rows.some((r) => r.file !== undefined);
  return stringify(
    rows.map((r) => [withFile ? r.file! : r.row, r.prediction, ...(withProb ? [r.probability!.toFixed(6)] : [])]),
    { header: true, columns: [withFile ? 'file' : 'row', 'prediction', ...(withProb ? ['probability'] : [])] },
  );
}
