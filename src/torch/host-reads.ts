// Counts reads of tensor values into JavaScript (item, toTypedArray, toArray, save): on a GPU each one waits
// for the device, so training code must do them per epoch, not per batch. Tests assert on this count.
let reads = 0;

export function countHostRead(): void {
  reads += 1;
}

/** How many times tensor values have been read to the host since the process started. */
export function hostReads(): number {
  return reads;
}
