import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { ConfigError } from '../errors.ts';

/** What went wrong, in words; the text itself is never quoted, since it may hold a secret. */
const MISTAKES: Partial<Record<ReturnType<typeof printParseErrorCode>, string>> = {
  InvalidSymbol: 'a character that cannot start a value (strings need double quotes)',
  InvalidNumberFormat: 'a number written in a form JSON does not allow',
  PropertyNameExpected: 'a field name in double quotes (a comma before a closing brace is not allowed)',
  ValueExpected: 'a value',
  ColonExpected: "a ':' after the field name",
  CommaExpected: "a ',' between two fields or list items",
  CloseBraceExpected: "a '}' to close the object",
  CloseBracketExpected: "a ']' to close the list",
  EndOfFileExpected: 'the end of the file after the closing brace',
  InvalidCommentToken: 'no comment (JSON has none)',
  UnexpectedEndOfComment: 'no comment (JSON has none)',
  UnexpectedEndOfString: 'a closing double quote on the same line',
  UnexpectedEndOfNumber: 'a complete number',
  InvalidUnicode: 'a valid \\u escape',
  InvalidEscapeCharacter: 'a valid escape after a backslash',
  InvalidCharacter: 'no control character inside a string',
};

/**
 * Parses JSON strictly (`JSON.parse`), and when it fails says where and what, by line and column,
 * found with jsonc-parser's error-tolerant scanner: Node's own messages quote the text around the
 * mistake, which may be a password.
 */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const errors: ParseError[] = [];
    parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    let message = 'expected valid JSON';
    if (first !== undefined) {
      const before = text.slice(0, first.offset);
      const line = before.split('\n').length;
      const column = first.offset - before.lastIndexOf('\n');
      const expected = MISTAKES[printParseErrorCode(first.error)] ?? 'valid JSON';
      message = `not valid JSON at line ${line} column ${column}: expected ${expected}`;
    }
    throw new ConfigError(where, [{ path: '', message, received: 'text' }]);
  }
}
