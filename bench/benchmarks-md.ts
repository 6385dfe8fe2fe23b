// Writes one section of BENCHMARKS.md: from its heading to the next `## ` heading (or the end) is replaced; a first
// run puts it before the Notes, or at the end. Atomic, so the file is never half-written.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../src/torch/safetensors.js';

export function writeSection(out: string, heading: string, body: string): void {
  const section = `${heading}\n\n${body}\n`;
  const doc = existsSync(out) ? readFileSync(out, 'utf8') : '# Benchmarks\n';
  const at = doc.indexOf(`\n${heading}\n`);
  let next: string;
  if (at >= 0) {
    const end = doc.indexOf('\n## ', at + 1);
    next = end < 0 ? `${doc.slice(0, at + 1)}${section}` : `${doc.slice(0, at + 1)}${section}\n${doc.slice(end + 1)}`;
  } else {
    const notes = doc.indexOf('\n## Notes\n');
    next = notes < 0 ? `${doc.trimEnd()}\n\n${section}` : `${doc.slice(0, notes + 1)}${section}\n${doc.slice(notes + 1)}`;
  }
  writeFileAtomic(out, Buffer.from(next));
}
