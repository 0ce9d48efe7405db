// Deterministic test content, made the same way in the page (where the
// upload libraries read it from a File) and in Node (where the tests compute
// the SHA-256 the sandbox must have stored). Nothing big is committed: a
// 150 MB file is a seed and a length.

/**
 * fill writes the xorshift32 stream of seed into buf (a Uint8Array) and
 * returns buf. Equal (seed, length) give equal bytes on the same machine
 * (the words are written in the platform's byte order, and the page and
 * Node run on the same machine).
 */
export function fill(buf, seed) {
  let x = seed >>> 0 || 1;
  const words = buf.length >>> 2;
  const u32 = new Uint32Array(buf.buffer, buf.byteOffset, words);
  for (let i = 0; i < words; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u32[i] = x >>> 0;
  }
  for (let i = words << 2; i < buf.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}
