import en from '../../locales/en.json';
import es from '../../locales/es.json';
import {
  describesTheProblem,
  emailDomain,
  isConsumerDomain,
  isSignInAddress,
  matchesAny,
  normalize,
  recognizeAccountAnswer,
  recognizeInterruption,
  type AccountAnswer,
  type AccountWords,
  type Interruption,
  type InterruptionWords,
} from '../../src/core/recognizers';

// The real word lists, so a change to a catalog that breaks recognition fails here.
const interruptWords: Record<'en' | 'es', InterruptionWords> = {
  en: en.interrupt.words,
  es: es.interrupt.words,
};
const accountWords: Record<'en' | 'es', AccountWords> = {
  en: en.account.words,
  es: es.account.words,
};
const problemWords: Record<'en' | 'es', readonly string[]> = {
  en: en.words.problem,
  es: es.words.problem,
};

describe('normalize', () => {
  test.each<[string, string]>([
    ['¿Sí!', 'si'],
    ['si', 'si'],
    ['  HELLO   World  ', 'hello world'],
    ['Olvídalo.', 'olvidalo'],
    ['¡Empezar  de  nuevo!', 'empezar de nuevo'],
    ['Don\'t know', 'don t know'],
    ['Ça va, señor?', 'ca va senor'],
    ['name@Outlook.COM', 'name@outlook.com'],
    ['outlook.com.', 'outlook.com'],
    ['two-step', 'two step'],
    ['ＡＢＣ１２３', 'abc123'], // full-width letters and digits (IME input)
    ['?!...', ''],
    ['ok...', 'ok'],
    ['...yes', 'yes'],
    ['see you.later', 'see you.later'],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normalize(input)).toBe(expected);
  });

  test('"¿Sí!" and "si" compare equal', () => {
    expect(normalize('¿Sí!')).toBe(normalize('si'));
  });
});

describe('matchesAny', () => {
  const cancel = ['cancel', 'never mind'];
  const human = ['talk to a person', 'human'];
  const filler = en.interrupt.words.filler;

  test.each<[string, readonly string[], boolean]>([
    // A one-word synonym must be the whole answer, give or take filler words.
    ['cancel', cancel, true],
    ['Cancel!', cancel, true],
    ['cancel please', cancel, true],
    ['ok cancel', cancel, true],
    ['how do I cancel my old number', cancel, false],
    ['cancel my old number', cancel, false],
    ['cancellation', cancel, false],
    ['cancel...', cancel, true],
    ['cancel.', cancel, true],
    // A phrase of several words may stand inside a longer message.
    ['never mind', cancel, true],
    ['oh never mind then', cancel, true],
    ['I want to talk to a person please', human, true],
    ['Talk to a person.', human, true],
    ['human', human, true],
    ['is a human reading this', human, false],
    ['talk to a personal trainer', human, false], // whole words only
    ['', cancel, false],
    ['   ', cancel, false],
  ])('%j in %j -> %s', (text, synonyms, expected) => {
    expect(matchesAny(text, synonyms, filler)).toBe(expected);
  });

  test('without filler words, filler makes a one-word synonym miss', () => {
    expect(matchesAny('cancel please', cancel)).toBe(false);
    expect(matchesAny('cancel please', cancel, ['please'])).toBe(true);
  });

  test('a filler of several words is removed as a phrase', () => {
    expect(matchesAny('I want to cancel', cancel, ['i want to'])).toBe(true);
    expect(matchesAny('cancelar por favor', ['cancelar'], ['por favor'])).toBe(true);
    // Its words on their own are not filler.
    expect(matchesAny('I cancel', cancel, ['i want to'])).toBe(false);
  });

  test('a synonym that normalises to nothing never matches', () => {
    expect(matchesAny('?', ['?'])).toBe(false);
    expect(matchesAny('hello', ['!!'])).toBe(false);
  });
});

describe('normalised synonym lists are kept per list', () => {
  test('the same list read again answers the same, and another list is not confused with it', () => {
    const yes = ['Sí', 'vale'];
    const no = ['No', 'nada'];
    for (let i = 0; i < 3; i += 1) {
      expect(matchesAny('¡SI!', yes)).toBe(true);
      expect(matchesAny('¡SI!', no)).toBe(false);
      expect(matchesAny('nada', no)).toBe(true);
      expect(matchesAny('por favor vale', yes, ['Por favor'])).toBe(true);
      expect(matchesAny('por favor vale', yes, [])).toBe(false);
    }
  });
});

describe('recognizeInterruption with the catalog word lists', () => {
  test.each<['en' | 'es', string, Interruption | undefined]>([
    ['en', 'help', 'help'],
    ['en', 'Help!', 'help'],
    ['en', 'help please', 'help'],
    ['en', 'what can you do?', 'help'],
    ['en', 'cancel', 'cancel'],
    ['en', 'Stop.', 'cancel'],
    ['en', 'never mind', 'cancel'],
    ['en', 'I want to cancel', 'cancel'],
    ['en', 'just quit', 'cancel'],
    ['en', 'start over', 'startOver'],
    ['en', 'can I start over please', 'startOver'],
    ['en', 'cancel and start over', 'startOver'], // overlapping phrases: start over wins
    ['en', 'restart', 'startOver'],
    ['en', 'talk to a person', 'human'],
    ['en', 'I want to talk to a person please', 'human'],
    ['en', 'I\'d like to speak to someone', 'human'],
    ['en', 'human', 'human'],
    ['en', 'agent', 'human'],
    ['en', 'help desk', 'human'],
    // Words inside a real answer or question are not commands.
    ['en', 'how do I cancel my old number', undefined],
    ['en', 'I need to stop getting codes on my old phone', undefined],
    ['en', 'it helps to know', undefined],
    ['en', 'work', undefined],
    ['en', '', undefined],
    ['es', 'ayuda', 'help'],
    ['es', '¿Qué puedes hacer?', 'help'],
    ['es', 'menú', 'help'],
    ['es', 'cancelar', 'cancel'],
    ['es', 'Olvídalo', 'cancel'],
    ['es', 'cancelar por favor', 'cancel'],
    ['es', 'quiero cancelar', 'cancel'],
    ['es', 'empezar de nuevo', 'startOver'],
    ['es', 'quiero volver a empezar', 'startOver'],
    ['es', 'hablar con una persona', 'human'],
    ['es', 'Quiero hablar con una persona, por favor', 'human'],
    ['es', 'humano', 'human'],
    ['es', '¿cómo cancelo mi número antiguo?', undefined],
    ['es', 'salir de la cuenta no puedo', undefined],
  ])('%s: %j -> %s', (lang, text, expected) => {
    expect(recognizeInterruption(text, interruptWords[lang])).toBe(expected);
  });
});

describe('recognizeAccountAnswer with the catalog word lists', () => {
  test.each<['en' | 'es', string, AccountAnswer | undefined, string | undefined]>([
    // Typed words.
    ['en', 'personal', 'personal', undefined],
    ['en', 'Personal', 'personal', undefined],
    ['en', 'it\'s my own', 'personal', undefined],
    ['en', 'my Xbox one', 'personal', undefined],
    ['en', 'outlook.com', 'personal', undefined],
    ['en', 'work', 'work', undefined],
    ['en', 'Work or school', 'work', undefined],
    ['en', 'it\'s my work one', 'work', undefined],
    ['en', 'the one from my university', 'work', undefined],
    ['es', 'personal', 'personal', undefined],
    ['es', 'es mía', 'personal', undefined],
    ['es', 'trabajo', 'work', undefined],
    ['es', 'la de la universidad', 'work', undefined],
    ['es', 'es mi cuenta del trabajo', 'work', undefined],
    ['es', 'mi cuenta personal', 'personal', undefined],
    // Addresses decide by their domain.
    ['en', 'me@outlook.com', 'personal', 'outlook.com'],
    ['en', 'It is Jo.Bloggs@Hotmail.co.uk thanks', 'personal', 'hotmail.co.uk'],
    ['en', 'x@live.com', 'personal', 'live.com'],
    ['en', 'x@msn.com', 'personal', 'msn.com'],
    ['en', 'x@gmail.com', 'personal', 'gmail.com'],
    ['es', 'mi correo es ana@hotmail.es', 'personal', 'hotmail.es'],
    ['en', 'jo@contoso.com', 'work', 'contoso.com'],
    ['en', 'jo@students.example.ac.uk', 'work', 'students.example.ac.uk'],
    ['en', 'my personal address is jo@contoso.com', 'work', 'contoso.com'], // the address wins
    ['es', 'ana@empresa.es', 'work', 'empresa.es'],
    // Unsure, said or implied.
    ['en', 'not sure', 'unsure', undefined],
    ['en', 'I don\'t know', 'unsure', undefined],
    ['en', 'no idea', 'unsure', undefined],
    ['en', 'which one?', 'unsure', undefined],
    ['es', 'no sé', 'unsure', undefined],
    ['es', 'No se', 'unsure', undefined],
    ['es', 'ni idea', 'unsure', undefined],
    ['en', 'personal or work, I use both', 'unsure', undefined],
    ['en', 'my school xbox', 'unsure', undefined],
    ['es', 'personal y trabajo', 'unsure', undefined],
    // Nothing recognisable.
    ['en', 'asdfgh', undefined, undefined],
    ['en', 'banana', undefined, undefined],
    ['es', 'qwerty', undefined, undefined],
    ['en', '', undefined, undefined],
    ['en', '!!!', undefined, undefined],
  ])('%s: %j -> %s (domain %s)', (lang, text, kind, byDomain) => {
    const result = recognizeAccountAnswer(text, accountWords[lang]);
    if (kind === undefined) {
      expect(result).toBeUndefined();
    } else {
      expect(result).toEqual(byDomain === undefined ? { kind } : { kind, byDomain });
    }
  });
});

describe('emailDomain', () => {
  test.each<[string, string | undefined]>([
    ['jo@contoso.com', 'contoso.com'],
    ['JO@CONTOSO.COM', 'contoso.com'],
    ['my address is jo.b+mfa@mail.contoso.co.uk, thanks', 'mail.contoso.co.uk'],
    ['jo@contoso.com.', 'contoso.com'],
    ['first a@b.org then c@d.net', 'b.org'],
    ['no address here', undefined],
    ['jo@localhost', undefined],
    ['@contoso.com', undefined],
  ])('%j -> %s', (text, expected) => {
    expect(emailDomain(text)).toBe(expected);
  });
});

describe('isConsumerDomain', () => {
  test.each<[string, boolean]>([
    ['outlook.com', true],
    ['outlook.es', true],
    ['outlook.com.br', true],
    ['hotmail.com', true],
    ['hotmail.co.uk', true],
    ['live.com', true],
    ['live.com.mx', true],
    ['msn.com', true],
    ['gmail.com', true],
    ['yahoo.es', true],
    ['icloud.com', true],
    ['contoso.com', false],
    ['contoso.onmicrosoft.com', false],
    ['mail.gmail.com.evil.com', false],
    ['outlookfoo.com', false],
    // Organisations' own subdomains that happen to start with a consumer brand are work or school
    // (several UK universities give students @live.<university>.ac.uk Microsoft 365 accounts).
    ['live.example.ac.uk', false],
    ['outlook.contoso.com', false],
    ['msn.partner.example.org', false],
  ])('%s -> %s', (domain, expected) => {
    expect(isConsumerDomain(domain)).toBe(expected);
  });
});

describe('describesTheProblem', () => {
  test.each<['en' | 'es', string, boolean]>([
    ['en', 'I changed my phone and get no codes', true],
    ['en', 'I got a new phone', true],
    ['en', 'MFA is broken', true],
    ['en', 'two-step verification keeps failing', true],
    ['en', 'I can\'t sign in', true],
    ['en', 'hi', false],
    ['en', 'hello there', false],
    ['en', 'microphone', false], // whole words only
    ['es', 'Cambié de teléfono y no me llegan los códigos', true],
    ['es', 'no puedo iniciar sesión', true],
    ['es', 'perdí el teléfono', true],
    ['es', 'hola', false],
    ['es', 'buenos días', false],
  ])('%s: %j -> %s', (lang, text, expected) => {
    expect(describesTheProblem(text, problemWords[lang])).toBe(expected);
  });
});

describe('isSignInAddress', () => {
  const local64 = 'a'.repeat(64);
  const label63 = 'b'.repeat(63);
  const longest = `${local64}@${label63}.${label63}.${'c'.repeat(61)}`; // 254 characters
  const tooLong = `${local64}@${label63}.${label63}.${'c'.repeat(62)}`; // 255 characters

  test('the length fixtures are what they claim', () => {
    expect(longest).toHaveLength(254);
    expect(tooLong).toHaveLength(255);
  });

  test.each<[string, boolean]>([
    ['jo@contoso.com', true],
    ['Jo.Bloggs@Contoso.com', true],
    ['jo+mfa@contoso.com', true],
    ['jo@mail.eu.contoso.co.uk', true],
    ['o\'brien@contoso.ie', true],
    ['jo_b-c%d@x-y.org', true],
    ['  jo@contoso.com  ', true], // surrounding spaces are trimmed
    [longest, true],
    [tooLong, false],
    [`${'a'.repeat(65)}@contoso.com`, false],
    ['jo @contoso.com', false],
    ['jo@con toso.com', false],
    ['<b>x</b>@a.com', false],
    ['jo@contoso.com<script>', false],
    ['[jo](http://evil)@a.com', false],
    ['jo@contoso', false],
    ['jo@@contoso.com', false],
    ['jo@x@contoso.com', false],
    ['@contoso.com', false],
    ['jo@', false],
    ['jo@.com', false],
    ['jo..b@contoso.com', false],
    ['.jo@contoso.com', false],
    ['jo.@contoso.com', false],
    ['jo@-contoso.com', false],
    ['jo@contoso-.com', false],
    ['jo@contoso..com', false],
    ['', false],
  ])('%j -> %s', (text, expected) => {
    expect(isSignInAddress(text)).toBe(expected);
  });
});
