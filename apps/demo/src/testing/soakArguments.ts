// The flags of the hostile soak (soakMain.ts), parsed strictly: an unknown flag, a missing value
// or a value that is not a whole number is an error naming it, never a silent default.

/** What the soak runs: `cases` cases of `seed` numbered from `first`. */
export interface SoakArguments {
  readonly seed: number
  readonly cases: number
  readonly first: number
}

/** The usage text. */
export const SOAK_USAGE = `usage: pnpm soak [--cases N] [--seed S] [--from K] [--case K]
  --cases N  how many cases (default 100000)
  --from K   start at case K (default 0)
  --seed S   the seed, an integer in [0, 2^31) (default: from the clock; printed either way)
  --case K   run case K of the seed alone (to replay a failure the soak printed)`

/** The soak's options from `argv`, or the error to print, or the help. */
export function parseSoakArguments(
  argv: readonly string[],
  defaultSeed: number,
): SoakArguments | { readonly error: string } | { readonly help: string } {
  let seed = defaultSeed
  let cases = 100_000
  let first = 0
  let single = false
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]!
    if (flag === '--help' || flag === '-h') return { help: SOAK_USAGE }
    if (flag !== '--cases' && flag !== '--seed' && flag !== '--from' && flag !== '--case')
      return { error: `unknown option ${JSON.stringify(flag)}\n${SOAK_USAGE}` }
    const text = argv[++index]
    if (text === undefined) return { error: `${flag} needs a value\n${SOAK_USAGE}` }
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN
    const least = flag === '--cases' ? 1 : 0
    const most = flag === '--seed' ? 2 ** 31 - 1 : 2 ** 32
    if (!Number.isSafeInteger(value) || value < least || value > most)
      return { error: `${flag} takes a whole number from ${least} to ${most}, not ${JSON.stringify(text)}` }
    if (flag === '--cases') cases = value
    else if (flag === '--seed') seed = value
    else if (flag === '--from') first = value
    else {
      first = value
      single = true
    }
  }
  return { seed, cases: single ? 1 : cases, first }
}
