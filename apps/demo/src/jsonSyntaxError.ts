// Where a scenario script stops being JSON, in words a script's author reads: JSON.parse's own
// messages give no place for half the mistakes ("Unexpected token '}', …" quotes the text instead,
// newlines and all), so a small recursive-descent reader finds the first offset that is not JSON
// and says what was expected there. It runs only after JSON.parse has failed.

/** The first syntax error of `text`: its 1-based line and column, and what is wrong there. */
export interface JsonSyntaxError {
  readonly line: number
  readonly column: number
  readonly message: string
}

class SyntaxStop {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/** The first place `text` is not JSON, or undefined when it is (JSON.parse agrees). */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0
  const found = (offset = at) => (offset >= text.length ? 'the end of the file' : `'${text[offset]}'`)
  const stop = (message: string, offset = at): never => {
    throw new SyntaxStop(offset, message)
  }
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++
  }
  const string = () => {
    const start = at
    at++
    for (;;) {
      if (at >= text.length) stop('a string is not closed (a " is missing)', start)
      const char = text[at]!
      if (char === '"') break
      if (char < ' ') stop('a line break or control character inside a string (write \\n)')
      if (char === '\\') {
        const escaped = text[at + 1]
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) stop('\\u needs 4 hexadecimal digits')
          at += 6
          continue
        }
        if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) stop(`unknown escape \\${escaped ?? ''}`)
        at += 2
        continue
      }
      at++
    }
    at++
  }
  const value = (): void => {
    space()
    const char = text[at]
    if (char === '{') {
      members('}', () => {
        if (text[at] !== '"') stop(`expected a property name in double quotes, found ${found()}`)
        string()
        space()
        if (text[at] !== ':') stop(`expected ':' after the property name, found ${found()}`)
        at++
        value()
      })
      return
    }
    if (char === '[') {
      members(']', value)
      return
    }
    if (char === '"') {
      string()
      return
    }
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      NUMBER.lastIndex = at
      if (!NUMBER.test(text)) stop(`'${text.slice(at, at + 12).split(/[\s,\]}]/)[0]}' is not a JSON number`)
      at = NUMBER.lastIndex
      return
    }
    for (const literal of ['true', 'false', 'null'])
      if (text.startsWith(literal, at)) {
        at += literal.length
        return
      }
    stop(`expected a value, found ${found()}`)
  }
  const members = (close: '}' | ']', member: () => void) => {
    at++
    space()
    if (text[at] === close) {
      at++
      return
    }
    for (;;) {
      space()
      if (text[at] === close) stop(`a ',' before '${close}' (JSON allows no trailing comma)`, at)
      member()
      space()
      if (text[at] === ',') {
        at++
        continue
      }
      if (text[at] === close) {
        at++
        return
      }
      stop(`expected ',' or '${close}', found ${found()}`)
    }
  }
  try {
    value()
    space()
    if (at < text.length) stop(`unexpected ${found()} after the end of the JSON value`)
    return undefined
  } catch (error) {
    if (!(error instanceof SyntaxStop)) throw error
    const before = text.slice(0, error.offset).split('\n')
    return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1, message: error.message }
  }
}
