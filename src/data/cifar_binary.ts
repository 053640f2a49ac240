/**
 * CIFAR-10/100 binary version (records of label byte(s) + 3072 bytes CHW), converted to NHWC.
 * CIFAR-100 records carry a coarse then a fine label; the fine label is used.
 */
export function parseCifarBinary(buffers: Buffer[], labelBytes: 1 | 2): { images: Uint8Array; labels: Int32Array } {
  const record = labelBytes + 3072;
  const total = buffers.reduce((s, b) => s + b.length, 0);
  if (total % record !== 0) throw new Error(`CIFAR binary: ${total} bytes is not a whole number of ${record}-byte records`);
  const n = total / record;
  const images = new Uint8Array(n * 3072);
  const labels = new Int32Array(n);
  let i = 0;
  for (const buf of buffers) {
    for (let off = 0; off < buf.length; off += record, i++) {
      labels[i] = buf[off + labelBytes - 1];
      const px = off + labelBytes;
      for (let p = 0; p < 1024; p++) {
        images[i * 3072 + p * 3] = buf[px + p];
        images[i * 3072 + p * 3 + 1] = buf[px + 1024 + p];
        images[i * 3072 + p * 3 + 2] = buf[px + 2048 + p];
      }
    }
  }
  return { images, labels };
}
