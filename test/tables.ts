// A synthetic table for the tabular tests: label = (age > 45) xor (color = red); price = 2 age (+10 for blue)
// + 5 score + noise. Seeded, so every run writes the same file.
import { writeFileSync } from 'node:fs';

export function writeTableCsv(file: string, rows: number): void {
  let s = 12345;
  const rand = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const lines = ['id,age,color,score,label,price'];
  for (let i = 0; i < rows; i++) {
    const age = 18 + 62 * rand();
    const color = ['red', 'green', 'blue'][Math.floor(rand() * 3)]!;
    const score = (rand() + rand() + rand() - 1.5) * 2;
    const label = age > 45 !== (color === 'red') ? 'yes' : 'no';
    const price = 2 * age + (color === 'blue' ? 10 : 0) + 5 * score + (rand() - 0.5);
    lines.push([`r${i}`, age.toFixed(2), color, score.toFixed(3), label, price.toFixed(2)].join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}
