// Expected content hashes, computed in Node independently of the page.
import { createHash } from 'node:crypto';
import { fill } from './data.mjs';

/** sha256Of returns the hex SHA-256 of the `size` bytes fill makes from seed. */
export function sha256Of(size, seed) {
  const buf = new Uint8Array(size);
  fill(buf, seed);
  return createHash('sha256').update(buf).digest('hex');
}
