import { MemoryStorage, type Storage, type StoreItems } from 'botbuilder';
import { FREE_TEXT_LIMIT, REDACTED, redactDetail, type AuditRecord } from '../../src/core/audit';
import { auditKey, StoredAudit } from '../../src/infra/storedAudit';
import { RecordingLog } from '../fakes/ports';
import { storageBackends } from '../helpers/storageBackends';

const REF = 'HD-7K3M-Q9XD';

const record = (n: number, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  reference: REF,
  at: new Date(Date.UTC(2025, 5, 1, 10, 0, n)).toISOString(),
  kind: 'graph-call',
  actor: '33333333-aaaa-4bbb-8ccc-000000000003',
  detail: { n, operation: 'updatePhoneMethod', status: 204 },
  ...overrides,
});

describe('redactDetail: by field, never refusing', () => {
  test.each<[string, AuditRecord['detail']]>([
    ['a masked number', { newMobile: '+44 ••••••••56' }],
    ['Graph request ids (GUIDs full of digits)', { requestId: '12345678-1234-4123-8123-123456789012', requestIds: '99999999-9999-4999-8999-999999999999 11111111-2222-4333-8444-555555555555' }],
    ['ISO timestamps', { expiresAt: '2025-06-01T10:30:00.000Z', local: '2025-06-01T12:30:00+02:00' }],
    ['a ticket reference that happens to be all digits', { existing: 'HD-1234-5678' }],
    ['short numbers and counts', { status: 204, attempts: 3, lifetimeInMinutes: 60, retryAfterSeconds: 120, ok: true, none: null }],
    ['six digits in a row', { code: 'AADSTS50076', last: '123456' }],
    ['digits either side of a request id are not joined up', { note: '123 11111111-2222-4333-8444-555555555555 4567' }],
    ['error codes and words that merely contain "pass" elsewhere', { code: 'invalid_number', message: 'Graph says: Bad Request' }],
    ['a Teams channel message id (13 digits)', { activityId: '1712345678901', conversation: 'helpdesk' }],
    ['a sign-in address with a 7-digit student number', { target: 's1234567@contoso.edu' }],
    ['a Teams conversation id', { conversationId: '19:helpdesk0123456789abcdef@thread.tacv2;messageid=1712345678901' }],
  ])('keeps %s as it is', (_name, detail) => {
    expect(redactDetail(detail)).toEqual({ detail, redacted: [] });
  });

  test.each<[string, AuditRecord['detail'], AuditRecord['detail']]>([
    ['a full E.164 number', { newMobile: '+447400123456' }, { newMobile: '+••••••••••56' }],
    ['a number with spaces and dashes', { note: 'call me on 07400 123-456' }, { note: 'call me on •••••••••56' }],
    ['a number with dots and brackets', { note: '(020) 7946.0018' }, { note: '(•••••••••18' }],
    ['a number in full-width digits', { note: '０７４００１２３４５６' }, { note: '•••••••••56' }],
    ['a number in Arabic-Indic digits', { note: '٠٧٤٠٠١٢٣٤٥٦' }, { note: '•••••••••٥٦' }],
    ['a number with zero-width characters inside', { note: '0740\u200b0123\u200d456' }, { note: '•••••••••56' }],
    ['a number as a number', { phone: 447400123456 }, { phone: '••••••••••56' }],
    ['seven digits under an unknown key', { n: '1234567' }, { n: '•••••67' }],
    ['a phone number passed off as an id', { target: '+447400123456' }, { target: '+••••••••••56' }],
    ['a phone number as an activity id', { activityId: '+447400123456' }, { activityId: '+••••••••••56' }],
    ['a key temporaryAccessPass', { temporaryAccessPass: 'Xk7#pQ2m' }, { temporaryAccessPass: REDACTED }],
    ['a key password', { password: 'hunter2' }, { password: REDACTED }],
    ['a key clientSecret', { clientSecret: 'abc' }, { clientSecret: REDACTED }],
    ['a key named passCode', { passCode: true }, { passCode: REDACTED }],
    ['a bearer token under an innocent key', { note: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig' }, { note: REDACTED }],
    ['a bare token in free text', { message: 'got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig back' }, { message: `got ${REDACTED} back` }],
  ])('masks %s, keeping the field', (_name, detail, expected) => {
    const { detail: safe, redacted } = redactDetail(detail);
    expect(safe).toEqual(expected);
    expect(redacted).toEqual(Object.keys(detail));
  });

  test('free text is cut to a summary', () => {
    const { detail } = redactDetail({ message: 'x'.repeat(FREE_TEXT_LIMIT + 50) });
    expect(Array.from(String(detail.message))).toHaveLength(FREE_TEXT_LIMIT + 1);
  });

  test('a credential key holding null stays null (nothing to hide)', () => {
    expect(redactDetail({ accessToken: null }).detail).toEqual({ accessToken: null });
  });
});

const storages = storageBackends('stored-audit-test');

describe.each(storages)('StoredAudit on %s', (_name, open) => {
  let storage: Storage;
  let sibling: () => Storage;
  let dispose: () => void | Promise<void>;
  let log: RecordingLog;
  let audit: StoredAudit;

  beforeEach(() => {
    ({ storage, sibling, dispose } = open());
    log = new RecordingLog();
    audit = new StoredAudit(storage, log);
  });
  afterEach(() => dispose());

  test('records are kept per reference, in order', async () => {
    await audit.append(record(1, { kind: 'request', actor: undefined, detail: { channelId: 'msteams', newMobile: '+44 ••••••••56' } }));
    await audit.append(record(2, { kind: 'approval' }));
    await audit.append(record(3, { reference: 'HD-AAAA-BBBB', kind: 'expiry' }));
    expect((await audit.list(REF)).map((r) => r.kind)).toEqual(['request', 'approval']);
    expect(await audit.list('HD-AAAA-BBBB')).toEqual([record(3, { reference: 'HD-AAAA-BBBB', kind: 'expiry' })]);
    expect(await audit.list('HD-ZZZZ-ZZZZ')).toEqual([]);
    expect(await audit.list('not a reference')).toEqual([]);
  });

  test('each record is mirrored to the log at info, and a detail cannot pass for the kind or the reference', async () => {
    await audit.append(record(1, { kind: 'denial', detail: { audit: 'approval', reference: 'HD-FAKE-0000', reason: 'not verified' } }));
    await audit.append(record(2, { kind: 'expiry', actor: undefined, detail: {} }));
    expect(log.lines).toEqual([
      {
        level: 'info',
        obj: { audit: 'denial', reference: REF, actor: '33333333-aaaa-4bbb-8ccc-000000000003', reason: 'not verified' },
        msg: 'audit',
      },
      { level: 'info', obj: { audit: 'expiry', reference: REF }, msg: 'audit' },
    ]);
  });

  test('20 appends started at once are all kept, in call order', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => audit.append(record(i))));
    expect((await audit.list(REF)).map((r) => r.detail.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(log.lines).toHaveLength(20);
  });

  test('20 appends from four instances at once lose nothing, and each instance keeps its own order', async () => {
    const instances = [audit, ...Array.from({ length: 3 }, () => new StoredAudit(sibling(), new RecordingLog()))];
    await audit.append(record(0, { kind: 'request', detail: { instance: -1 } }));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => instances[i % 4].append(record(i + 1, { detail: { instance: i % 4, n: i + 1 } }))),
    );
    const records = await audit.list(REF);
    expect(records).toHaveLength(21);
    expect(records[0].kind).toBe('request');
    for (let k = 0; k < 4; k += 1) {
      const mine = records.filter((r) => r.detail.instance === k).map((r) => r.detail.n as number);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
      expect(mine).toHaveLength(5);
    }
  });

  test('appending never rewrites what is there: earlier records stay byte for byte', async () => {
    await audit.append(record(1));
    const before = JSON.stringify((await storage.read([auditKey(REF)]))[auditKey(REF)]?.records);
    await audit.append(record(2));
    const after = (await storage.read([auditKey(REF)]))[auditKey(REF)]?.records as AuditRecord[];
    expect(JSON.stringify(after.slice(0, 1))).toBe(before);
  });

  test('an unsafe value is redacted, not refused: the record is kept, says what was redacted, and leaks nothing', async () => {
    await audit.append(record(1, { detail: { newMobile: '+447400123456' } }));
    await audit.append(record(2, { detail: { temporaryAccessPass: 'Xk7#pQ2m' } }));
    const kept = await audit.list(REF);
    expect(kept.map((r) => r.detail)).toEqual([
      { newMobile: '+••••••••••56', redactedFields: 'newMobile' },
      { temporaryAccessPass: REDACTED, redactedFields: 'temporaryAccessPass' },
    ]);
    for (const place of [JSON.stringify(kept), log.text(), JSON.stringify(await storage.read([auditKey(REF)]))]) {
      expect(place).not.toContain('7400123456');
      expect(place).not.toContain('Xk7#pQ2m');
    }
  });

  test('a Teams message id and a digit-heavy sign-in address are kept whole (they used to make the write fail)', async () => {
    await audit.append(record(1, { kind: 'posted', detail: { ok: true, conversation: 'helpdesk', activityId: '1712345678901' } }));
    await audit.append(record(2, { kind: 'request', detail: { target: 's1234567@contoso.edu' } }));
    expect((await audit.list(REF)).map((r) => r.detail)).toEqual([
      { ok: true, conversation: 'helpdesk', activityId: '1712345678901' },
      { target: 's1234567@contoso.edu' },
    ]);
  });

  test('a malformed reference is refused, so it never becomes part of a key', async () => {
    await expect(audit.append(record(1, { reference: '../../HD-7K3M-Q9XD' }))).rejects.toThrow(RangeError);
  });

  test('a caller changing its record after the call does not change what was stored', async () => {
    const r = record(1);
    const pending = audit.append(r);
    r.detail.n = 99;
    await pending;
    expect((await audit.list(REF))[0].detail.n).toBe(1);
  });
});

describe('StoredAudit when the store fails', () => {
  test('a write that fails is tried again (bounded): a short outage loses nothing', async () => {
    const storage = new MemoryStorage();
    const original = storage.write.bind(storage);
    let failures = 2;
    storage.write = async (changes: StoreItems) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('store briefly down');
      }
      return original(changes);
    };
    const log = new RecordingLog();
    const audit = new StoredAudit(storage, log, { delaysMs: [1, 1, 1] });
    await audit.append(record(1));
    expect((await audit.list(REF)).map((r) => r.detail.n)).toEqual([1]);
    expect(log.lines.filter((l) => l.msg === 'audit write failed; retrying')).toHaveLength(2);
  });

  test('a store that stays down: the append rejects after the last try, and the next append still runs', async () => {
    const storage = new MemoryStorage();
    const original = storage.write.bind(storage);
    let down = true;
    let tries = 0;
    storage.write = async (changes: StoreItems) => {
      if (down) {
        tries += 1;
        throw new Error('disk full');
      }
      return original(changes);
    };
    const audit = new StoredAudit(storage, new RecordingLog(), { delaysMs: [1, 1] });
    await expect(audit.append(record(1))).rejects.toThrow('disk full');
    expect(tries).toBe(3);
    down = false;
    await audit.append(record(2));
    expect((await audit.list(REF)).map((r) => r.detail.n)).toEqual([2]);
  });

  test('a failed write rejects, logs nothing at info, and does not block the next append', async () => {
    const storage = new MemoryStorage();
    const original = storage.write.bind(storage);
    let failNext = true;
    storage.write = async (changes: StoreItems) => {
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      return original(changes);
    };
    const log = new RecordingLog();
    const audit = new StoredAudit(storage, log, { delaysMs: [] });
    await expect(audit.append(record(1))).rejects.toThrow('disk full');
    expect(log.lines.filter((l) => l.level === 'info')).toEqual([]);
    await audit.append(record(2));
    expect((await audit.list(REF)).map((r) => r.detail.n)).toEqual([2]);
  });
});
