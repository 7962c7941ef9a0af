import { isReference, newReference } from '../../src/core/reference';

// Crockford-style: digits and capitals without I, L, O and U.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('newReference', () => {
  const references = Array.from({ length: 10_000 }, () => newReference());

  test('has the shape HD-XXXX-XXXX over the alphabet without I, L, O, U', () => {
    const shape = new RegExp(`^HD-[${ALPHABET}]{4}-[${ALPHABET}]{4}$`);
    const bad = references.filter((r) => !shape.test(r) || /[ILOU]/.test(r.slice(3)));
    expect(bad).toEqual([]);
  });

  test('every generated reference passes isReference', () => {
    expect(references.filter((r) => !isReference(r))).toEqual([]);
  });

  test('10,000 references are unique (40 random bits: a clash is a one-in-20,000 event)', () => {
    expect(new Set(references).size).toBe(references.length);
  });

  test('uses the whole alphabet, so no symbol is stuck or missing', () => {
    const used = new Set(references.flatMap((r) => [...r.slice(3).replace('-', '')]));
    expect([...used].sort().join('')).toBe([...ALPHABET].sort().join(''));
  });
});

describe('isReference', () => {
  test.each<[string, boolean]>([
    ['HD-7K3M-Q9XD', true],
    ['hd-7k3m-q9xd', true], // read back over the phone and typed in lower case
    ['  HD-0000-ZZZZ \n', true],
    ['HD-7K3M-Q9X', false],
    ['HD-7K3M-Q9XDD', false],
    ['HD-7K3MQ9XD', false],
    ['HD7K3M-Q9XD', false],
    ['HD-7K3M_Q9XD', false],
    ['XX-7K3M-Q9XD', false],
    ['HD-7K3I-Q9XD', false],
    ['HD-7K3L-Q9XD', false],
    ['HD-7K3O-Q9XD', false],
    ['HD-7K3U-Q9XD', false],
    ['HD-7K3M-Q9XD-', false],
    ['my ref is HD-7K3M-Q9XD', false],
    ['HD-7K3M-Q9XD HD-7K3M-Q9XD', false],
    ['HD-7K3M-Q9XÐ', false],
    ['', false],
  ])('%j -> %s', (text, expected) => {
    expect(isReference(text)).toBe(expected);
  });
});
