"""Writes the image folders the loader benchmarks read, from Debian's Fashion-MNIST (IDX gz files):
  <cache>/jpeg224/train/<class>/NNNNN.jpg  4,992 images, 224x224 RGB, quality 90 (ImageNet layout)
  <cache>/png28/train/<class>/NNNNN.png    9,984 images, 28x28 grayscale PNG
Both counts are multiples of 64, so every batch is full. Idempotent: a folder already complete is kept.
  /usr/bin/python3 bench/make_image_folders.py [cache_dir]   (default /tmp/flint-bench-images)
"""
import gzip
import os
import struct
import sys

from PIL import Image

SRC = '/usr/share/datasets/fashion-mnist'
CLASSES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot']
N_JPEG, N_PNG = 4992, 9984


def idx(name):
    with gzip.open(os.path.join(SRC, name), 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack('>' + 'I' * ndim, data[4 : 4 + 4 * ndim])
    return dims, data[4 + 4 * ndim :]


def write(root, n, size, ext, images, labels):
    marker = os.path.join(root, '.complete')
    if os.path.exists(marker):
        return
    for c in CLASSES:
        os.makedirs(os.path.join(root, 'train', c), exist_ok=True)
    for i in range(n):
        im = Image.frombytes('L', (28, 28), images[i * 784 : (i + 1) * 784])
        path = os.path.join(root, 'train', CLASSES[labels[i]], f'{i:05d}.{ext}')
        if ext == 'jpg':
            im.convert('RGB').resize((size, size), Image.BILINEAR).save(path, quality=90)
        else:
            im.save(path)
    open(marker, 'w').close()


def main():
    cache = sys.argv[1] if len(sys.argv) > 1 else '/tmp/flint-bench-images'
    (_, _, _), images = idx('train-images-idx3-ubyte.gz')
    _, labels = idx('train-labels-idx1-ubyte.gz')
    write(os.path.join(cache, 'jpeg224'), N_JPEG, 224, 'jpg', images, labels)
    write(os.path.join(cache, 'png28'), N_PNG, 28, 'png', images, labels)
    print(cache)


if __name__ == '__main__':
    main()
