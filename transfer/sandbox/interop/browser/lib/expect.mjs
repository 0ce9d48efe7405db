// Expected content hashes, computed in Node independently of the page.
import { createHash } from 'node:crypto';
import { fill } from './data.mjs';

const memo = new Map();

/** sha256Of returns the hex SHA-256 of the `size` bytes fill makes from seed. */
export function sha256Of(size, seed) {
  const key = `${size}/${seed}`;
  if (!memo.has(key)) {
    memo.set(key, createHash('sha256').update(fill(new Uint8Array(size), seed)).digest('hex'));
  }
  return memo.get(key);
}
