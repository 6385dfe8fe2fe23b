// Image decoding (native/image.cc through torch.decodeImage and vision.readImage/decodeImage/imageSize) against
// Pillow's decode of the same files (test/fixtures/images/, made by make_images.py): PNG in every colour type,
// WebP, JPEG, EXIF orientations; broken and hostile bytes; parallel decodes off the JS thread; no leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { ArgumentError, FlintError, Tensor, data, torch, vision } from '../src/index.js';
import { decodeImage as torchDecodeImage, ImageDecodeError, type ImageMode } from '../src/torch/image.js';
import { liveTensors } from './helpers.js';

const dir = new URL('../../test/fixtures/images/', import.meta.url);
const file = (name: string): string => new URL(name, dir).pathname;
const bytes = (name: string): Buffer => readFileSync(file(name));

interface Pixels {
  shape: number[];
  data: number[];
}
const expected = JSON.parse(readFileSync(file('expected.json'), 'utf8')) as Record<string, Record<ImageMode, Pixels>>;
const MODES: ImageMode[] = ['RGB', 'L', 'RGBA', 'unchanged'];

function pixels(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as Uint8Array);
}
function maxAbsDiff(a: number[], b: number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('every fixture, in every mode, decodes to Pillow pixels exactly (JPEG and lossy WebP included)', async () => {
  // PNG (8/16-bit, grey, grey+alpha, RGB, RGBA, 4-bit palette, palette+tRNS, grey+tRNS, 1-bit, Adam7),
  // WebP (lossless RGB and RGBA, lossy) and JPEG (RGB, grey, Adobe CMYK, EXIF 1..8). JPEG: Debian's Pillow and Flint both
  // decode with libjpeg-turbo 2.1 (ISLOW IDCT, fancy upsampling), and the measured difference is 0 levels.
  const before = liveTensors();
  let checked = 0;
  for (const [name, modes] of Object.entries(expected)) {
    for (const mode of MODES) {
      const want = modes[mode];
      const t = await vision.readImage(file(name), { mode });
      assert.ok(t instanceof data.TensorImage, `${name}: a TensorImage`);
      assert.equal(t.dtype, 'uint8');
      assert.deepEqual(t.shape, want.shape, `${name} ${mode}: shape`);
      assert.equal(maxAbsDiff(pixels(t), want.data), 0, `${name} ${mode}: pixels`);
      t.dispose();
      checked++;
    }
  }
  assert.equal(checked, 25 * 4);
  assert.equal(liveTensors(), before);
});

test("mode defaults to 'RGB'; the channels of each mode", async () => {
  const cases: [string, number[]][] = [
    // [file, channels for RGB, L, RGBA, unchanged]
    ['grey.png', [3, 1, 4, 1]],
    ['la.png', [3, 1, 4, 2]],
    ['rgb.png', [3, 1, 4, 3]],
    ['rgba.png', [3, 1, 4, 4]],
    ['palette.png', [3, 1, 4, 3]],
    ['palette_trns.png', [3, 1, 4, 4]],
    ['grey_trns.png', [3, 1, 4, 2]],
    ['lossless_rgba.webp', [3, 1, 4, 4]],
    ['grey.jpg', [3, 1, 4, 1]],
  ];
  for (const [name, channels] of cases) {
    const plain = await vision.readImage(file(name));
    assert.equal(plain.shape[0], 3, `${name} default`);
    plain.dispose();
    for (let i = 0; i < MODES.length; i++) {
      const t = await vision.decodeImage(bytes(name), { mode: MODES[i] });
      assert.equal(t.shape[0], channels[i], `${name} ${MODES[i]}`);
      t.dispose();
    }
  }
  // identities: RGB of a grey file repeats the grey; RGBA of an RGB file is RGB plus alpha 255
  const g = await vision.readImage(file('grey.png'), { mode: 'L' });
  const rgb = await vision.readImage(file('grey.png'));
  assert.deepEqual(pixels(rgb), [...pixels(g), ...pixels(g), ...pixels(g)]);
  const c = await vision.readImage(file('rgb.png'));
  const ca = await vision.readImage(file('rgb.png'), { mode: 'RGBA' });
  assert.deepEqual(pixels(ca), [...pixels(c), ...new Array(20).fill(255)]);
  torch.dispose([g, rgb, c, ca]);
});

test('JPEG EXIF orientations 1..8 come out upright (Pillow exif_transpose, and as flips/transposes)', async () => {
  const up = await vision.readImage(file('exif1.jpg')); // 16 wide, 12 high
  assert.deepEqual(up.shape, [3, 12, 16]);
  // the same pixels were stored in every file; the tag says how to turn them upright
  const before = liveTensors();
  const want: Record<number, Tensor> = torch.tidy(() => ({
    2: up.flip([2]),
    3: up.flip([1, 2]),
    4: up.flip([1]),
    5: up.transpose(1, 2).contiguous(),
    6: up.transpose(1, 2).flip([2]),
    7: up.transpose(1, 2).flip([1, 2]),
    8: up.transpose(1, 2).flip([1]),
  }));
  for (let o = 2; o <= 8; o++) {
    const t = await vision.readImage(file(`exif${o}.jpg`));
    assert.deepEqual(t.shape, want[o]!.shape, `orientation ${o}: shape`);
    assert.deepEqual(pixels(t), pixels(want[o]!), `orientation ${o}: pixels`);
    assert.deepEqual(pixels(t), expected[`exif${o}.jpg`]!.RGB.data, `orientation ${o}: Pillow`);
    t.dispose();
  }
  torch.dispose([up, Object.values(want)]);
  assert.equal(liveTensors(), before - 1);
});

test('imageSize reads the header: format, upright size, channels, orientation', async () => {
  assert.deepEqual(await vision.imageSize(file('rgb.png')), { format: 'png', width: 5, height: 4, channels: 3, orientation: 1 });
  assert.deepEqual(await vision.imageSize(file('palette_trns.png')), { format: 'png', width: 5, height: 4, channels: 4, orientation: 1 });
  assert.deepEqual(await vision.imageSize(file('interlaced.png')), { format: 'png', width: 13, height: 11, channels: 4, orientation: 1 });
  assert.deepEqual(await vision.imageSize(file('exif6.jpg')), { format: 'jpeg', width: 12, height: 16, channels: 3, orientation: 6 });
  assert.deepEqual(await vision.imageSize(bytes('exif3.jpg')), { format: 'jpeg', width: 16, height: 12, channels: 3, orientation: 3 });
  assert.deepEqual(await vision.imageSize(bytes('lossless_rgba.webp')), { format: 'webp', width: 5, height: 4, channels: 4, orientation: 1 });
  assert.deepEqual(await vision.imageSize(file('grey.jpg')), { format: 'jpeg', width: 16, height: 12, channels: 1, orientation: 1 });
  // the header of a truncated PNG is whole, so its size reads; a 10^10-pixel claim is refused
  assert.equal((await vision.imageSize(file('truncated.png'))).width, 5);
  await assert.rejects(vision.imageSize(file('huge.png')), (e: unknown) => e instanceof ImageDecodeError && /2\^28/.test(e.message));
  await assert.rejects(vision.imageSize(file('notimage.txt')), ImageDecodeError);
});

/** A JPEG whose SOF claims another size (the pixels stay the 16x12 ones). */
function jpegClaiming(width: number, height: number): Buffer {
  const b = Buffer.from(bytes('rgb.jpg'));
  for (let i = 2; i < b.length - 9; i++) {
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b.writeUInt16BE(height, i + 5);
      b.writeUInt16BE(width, i + 7);
      return b;
    }
  }
  throw new Error('no SOF marker in rgb.jpg');
}

test('corrupt, truncated, unknown and oversized data reject with an ImageDecodeError naming the file and format', async () => {
  const before = liveTensors();
  const cases: [string, string, RegExp][] = [
    ['truncated.jpg', 'JPEG', /Premature end of JPEG file/],
    ['truncated.png', 'PNG', /truncated/],
    ['badcrc.png', 'PNG', /CRC error/],
    ['huge.png', 'PNG', /100000x100000 pixels, more than the 2\^28/],
    ['truncated.webp', 'WebP', /corrupt or truncated/],
    ['notimage.txt', 'unknown', /not a JPEG, PNG or WebP file/],
  ];
  for (const [name, format, reason] of cases) {
    await assert.rejects(vision.readImage(file(name)), (e: unknown) => {
      assert.ok(e instanceof ImageDecodeError && e instanceof FlintError, `${name}: ${String(e)}`);
      assert.equal(e.format, format, name);
      assert.match(e.reason, reason, name);
      assert.equal(e.path, file(name));
      assert.ok(e.message.startsWith(`vision.readImage: cannot decode ${JSON.stringify(file(name))}`), e.message);
      if (format !== 'unknown') assert.ok(e.message.includes(`as ${format}:`), e.message);
      return true;
    });
    await assert.rejects(
      torchDecodeImage(bytes(name)),
      (e: unknown) => e instanceof ImageDecodeError && e.message.startsWith('torch.decodeImage: cannot decode the image'),
    );
  }
  await assert.rejects(vision.decodeImage(Buffer.alloc(0)), (e: unknown) => e instanceof ImageDecodeError && /empty \(0 bytes\)/.test(e.message));
  await assert.rejects(
    vision.decodeImage(jpegClaiming(65000, 65000)),
    (e: unknown) => e instanceof ImageDecodeError && /65000x65000 pixels/.test(e.message),
  );
  await assert.rejects(vision.decodeImage(jpegClaiming(0, 12)), (e: unknown) => e instanceof ImageDecodeError && e.format === 'JPEG');
  await assert.rejects(vision.readImage(file('missing.png')), (e: unknown) => {
    assert.ok(e instanceof FlintError && !(e instanceof ImageDecodeError));
    assert.match(e.message, /^vision\.readImage: cannot read the image file ".*missing\.png" \(ENOENT/);
    return true;
  });
  assert.equal(liveTensors(), before);
});

test('no byte string crashes: random bytes, every truncation, bit flips of every fixture', async () => {
  const before = liveTensors();
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
  const inputs: Buffer[] = [];
  const files = readdirSync(dir).filter((f) => /\.(png|jpg|webp)$/.test(f));
  for (const f of files) {
    const b = bytes(f);
    for (let n = 0; n < b.length; n += Math.max(1, b.length >> 5)) inputs.push(b.subarray(0, n));
    for (let k = 0; k < 40; k++) {
      const c = Buffer.from(b);
      for (let j = 0; j <= k % 4; j++) c[rand(c.length)] = rand(256);
      inputs.push(c);
    }
  }
  const signatures = [[0xff, 0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10], [...Buffer.from('RIFF\0\0\0\0WEBPVP8 ')], []];
  for (let k = 0; k < 200; k++) {
    const c = Buffer.alloc(rand(400));
    for (let i = 0; i < c.length; i++) c[i] = rand(256);
    Buffer.from(signatures[k % 4]!).copy(c);
    inputs.push(c);
  }
  let decoded = 0;
  let refused = 0;
  for (const r of await Promise.allSettled(inputs.map((b) => vision.decodeImage(b)))) {
    if (r.status === 'fulfilled') {
      assert.equal(r.value.dtype, 'uint8');
      assert.equal(r.value.shape[0], 3);
      r.value.dispose();
      decoded++;
    } else {
      assert.ok(r.reason instanceof ImageDecodeError, String(r.reason));
      refused++;
    }
  }
  assert.equal(decoded + refused, inputs.length);
  assert.ok(refused > inputs.length / 2, `${refused} of ${inputs.length} refused`);
  assert.equal(liveTensors(), before);
});

test('50 decodes in parallel match the sequential ones, and the event loop runs meanwhile', async () => {
  const names = ['photo224.jpg', 'rgb.jpg', 'interlaced.png', 'lossless_rgba.webp', 'exif6.jpg'];
  const sequential = new Map<string, number[]>();
  for (const n of names) {
    const t = await vision.decodeImage(bytes(n));
    sequential.set(n, pixels(t));
    t.dispose();
  }
  const before = liveTensors();
  let ticked = false;
  setImmediate(() => {
    ticked = true;
  });
  // mostly the 224x224 JPEG (about 0.5 ms each), so the work far outlasts one turn of the event loop
  const order = Array.from({ length: 50 }, (_, i) => (i % 5 === 4 ? names[1 + (Math.floor(i / 5) % 4)]! : names[0]!));
  const inputs = order.map((n) => bytes(n));
  // decoded on libuv's threads: were they decoded here, all would settle before the immediate could run
  const jobs = inputs.map((b) => vision.decodeImage(b));
  let tickedBeforeLast = false;
  const results = await Promise.all(
    jobs.map((p) =>
      p.then((t) => {
        tickedBeforeLast = ticked;
        return t;
      }),
    ),
  );
  assert.ok(tickedBeforeLast, 'a setImmediate callback ran before the last decode finished');
  results.forEach((t, i) => assert.deepEqual(pixels(t), sequential.get(order[i]!), `decode ${i} (${order[i]})`));
  torch.dispose(results);
  assert.equal(liveTensors(), before);
});

test('decoded tensors belong to the scope that awaited them; the input buffer may be reused at once', async () => {
  const before = liveTensors();
  const kept = await torch.tidy(async () => {
    const a = await vision.readImage(file('rgb.png'));
    const b = await torchDecodeImage(bytes('rgb.png'));
    assert.ok(b instanceof Tensor && !(b instanceof data.TensorImage));
    assert.deepEqual(pixels(a), pixels(b));
    return a;
  });
  assert.equal(liveTensors(), before + 1, 'the unreturned tensor was freed, the returned one kept');
  // the bytes are copied when the call is made: overwriting them afterwards changes nothing
  const buf = Buffer.from(bytes('rgb.png'));
  const p = vision.decodeImage(buf);
  buf.fill(0);
  const again = await p;
  assert.deepEqual(pixels(again), pixels(kept));
  torch.dispose([kept, again]);
  assert.equal(liveTensors(), before);
});

test('arguments are checked before any work, naming the function and argument', async () => {
  await assert.rejects(vision.readImage(file('rgb.png'), { mode: 'CMYK' as ImageMode }), (e: unknown) => {
    assert.ok(e instanceof ArgumentError);
    assert.equal(e.message, "vision.readImage: expected one of 'RGB', 'L', 'RGBA', 'unchanged' for opts.mode, got \"CMYK\"");
    return true;
  });
  await assert.rejects(vision.readImage(''), /vision\.readImage: expected a file path \(a non-empty string\) for path/);
  await assert.rejects(
    vision.decodeImage('abc' as unknown as Buffer),
    /vision\.decodeImage: expected a Buffer or Uint8Array of image bytes for buffer, got/,
  );
  await assert.rejects(torchDecodeImage(new Float32Array(4) as unknown as Uint8Array), /torch\.decodeImage: .* for buffer/);
  await assert.rejects(torchDecodeImage(bytes('rgb.png'), { mode: 'RGB', size: 3 } as never), /torch\.decodeImage: .* for opts\.size/);
  await assert.rejects(
    vision.imageSize(42 as unknown as string),
    /vision\.imageSize: expected a file path or a Buffer of image bytes for source, got 42/,
  );
});
