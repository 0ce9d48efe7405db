// The sandbox modes every client is run against. `ferry sandbox` is strict
// by default; --strict=false leaves only the real servers' rules. Neither
// may refuse a request an official client sends.
export const modes = [
  { label: 'ferry sandbox --strict=false (the real servers\' rules)', args: ['--strict=false'] },
  { label: 'ferry sandbox --strict (the default)', args: ['--strict'] },
];
