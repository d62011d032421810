// The benchmarks' command lines are read by node's util.parseArgs (`--rounds 9` and `--rounds=9` alike; an unknown
// option or a stray word is an error). These helpers add what it leaves to the caller: integers and --help.

/** An integer option's value, or `fallback` when the option is absent. */
export function integerOption(suite: string, name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new Error(`${suite}: --${name} must be an integer >= ${min}, received ${JSON.stringify(value)}`);
  }
  return n;
}

/** The `help` option every benchmark takes. */
export const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

/** Prints the usage line when --help was given; true when it was, and the caller then returns without running. */
export function printedHelp(values: { help?: boolean }, usage: string): boolean {
  if (values.help) console.log(`usage: ${usage}`);
  return values.help === true;
}
