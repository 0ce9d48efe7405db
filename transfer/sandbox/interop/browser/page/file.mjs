import { fill } from '../lib/data.mjs';

/** makeFile is the File a user would pick: size bytes of fill(seed). */
export function makeFile(name, type, size, seed) {
  return new File([fill(new Uint8Array(size), seed)], name, { type });
}
