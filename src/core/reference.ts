import { randomInt } from 'node:crypto';

// Crockford-style alphabet: no I, L, O or U, so a reference read out over the phone to the
// helpdesk cannot be misheard as a digit or as another letter.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A request reference such as `HD-7K3M-Q9XD`: 40 random bits, short enough to read aloud. */
export function newReference(): string {
  let body = '';
  for (let i = 0; i < 8; i += 1) body += ALPHABET[randomInt(ALPHABET.length)];
  return `HD-${body.slice(0, 4)}-${body.slice(4)}`;
}

const REFERENCE = /^HD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

export function isReference(text: string): boolean {
  return REFERENCE.test(text.trim().toUpperCase());
}
