import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonSyntaxError } from './jsonSyntaxError.js'

const parses = (text: string) => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe('jsonSyntaxError', () => {
  it('finds an error exactly when JSON.parse fails, in JSON with a character changed or cut', () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', '}', ']', ',', ':', '"', '\n', 'x', '0'),
        (json, at, char) => {
          const position = json.length === 0 ? 0 : at % json.length
          for (const text of [
            json,
            json.slice(0, position),
            json.slice(0, position) + char + json.slice(position + 1),
          ])
            expect(jsonSyntaxError(text) === undefined).toBe(parses(text))
        },
      ),
      { numRuns: 500, seed: 19 },
    )
  })

  it.each([
    ['{ "a": 1, }', 1, 11, "a ',' before '}' (JSON allows no trailing comma)"],
    ['{\n  "a" 1\n}', 2, 7, "expected ':' after the property name, found '1'"],
    ['[1, 2', 1, 6, "expected ',' or ']', found the end of the file"],
    ['{ "a": "x\ny" }', 1, 10, 'a line break or control character inside a string (write \\n)'],
    ['{ a: 1 }', 1, 3, "expected a property name in double quotes, found 'a'"],
    ['{} {}', 1, 4, "unexpected '{' after the end of the JSON value"],
    ['[01]', 1, 3, "expected ',' or ']', found '1'"],
  ])('places %j at line %d, column %d: %s', (text, line, column, message) => {
    expect(jsonSyntaxError(text)).toEqual({ line, column, message })
  })
})
