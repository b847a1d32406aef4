/**
 * POSIX shell quoting. Every value that goes into a remote command passes through quote():
 * no inventory value can inject shell.
 */
export function quote(value: string | number): string {
  const s = String(value);
  if (s === '') return "''";
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, `'\\''`) + "'";
}

/** Join argv into one command line, each argument quoted. */
export function commandLine(argv: ReadonlyArray<string | number>): string {
  return argv.map(quote).join(' ');
}
