/**
 * The upload reader against bodies encoded the way browsers (and Node's FormData) encode them,
 * and against broken ones.
 */
import { MultipartError, multipartBoundary, parseMultipart, safeFileName } from '../../../src/local/directLine/multipart';

async function encode(form: FormData): Promise<{ body: Buffer; boundary: string }> {
  const response = new Response(form);
  const boundary = multipartBoundary(response.headers.get('content-type') ?? undefined);
  if (!boundary) throw new Error('no boundary');
  return { body: Buffer.from(await response.arrayBuffer()), boundary };
}

test('reads an activity part and binary files, with names and content types', async () => {
  const form = new FormData();
  form.append('activity', new Blob([JSON.stringify({ type: 'message', text: 'see attached' })], { type: 'application/vnd.microsoft.activity' }));
  form.append('file', new Blob([Buffer.from([0, 1, 2, 13, 10, 45, 45, 255])], { type: 'image/png' }), 'photo "1".png');
  form.append('file', new Blob(['plain text\r\n'], { type: 'text/plain' }), 'notes é.txt');
  const { body, boundary } = await encode(form);

  const parts = parseMultipart(body, boundary);
  expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
    ['activity', 'blob', 'application/vnd.microsoft.activity'],
    ['file', 'photo %221%22.png', 'image/png'],
    ['file', 'notes é.txt', 'text/plain'],
  ]);
  expect(JSON.parse(parts[0]!.data.toString())).toEqual({ type: 'message', text: 'see attached' });
  expect([...parts[1]!.data]).toEqual([0, 1, 2, 13, 10, 45, 45, 255]);
  expect(parts[2]!.data.toString()).toBe('plain text\r\n');
});

test('finds the boundary in a content type, quoted or not, and only for multipart/form-data', () => {
  expect(multipartBoundary('multipart/form-data; boundary=abc123')).toBe('abc123');
  expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe('a b:c');
  expect(multipartBoundary('application/json')).toBeUndefined();
  expect(multipartBoundary('multipart/form-data')).toBeUndefined();
  expect(multipartBoundary(undefined)).toBeUndefined();
});

test('refuses bodies that are not well-formed multipart', () => {
  const parse = (text: string) => () => parseMultipart(Buffer.from(text), 'b');
  expect(parse('no boundary here')).toThrow(MultipartError);
  expect(parse('--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nno closing boundary')).toThrow('closing boundary');
  expect(parse('--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--')).toThrow('Content-Disposition');
  expect(parse('--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--')).toThrow('field name');
  expect(parse('--bX')).toThrow('line break');
  const many = Array.from({ length: 25 }, (_, i) => `--b\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`).join('') + '--b--';
  expect(() => parseMultipart(Buffer.from(many), 'b', 20)).toThrow('At most 20');
});

test('reads RFC 5987 file names', () => {
  const body = `--b\r\nContent-Disposition: form-data; name="file"; filename="fallback.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt\r\n\r\nx\r\n--b--\r\n`;
  expect(parseMultipart(Buffer.from(body), 'b')[0]!.filename).toBe('résumé.txt');
});

test('file names are reduced to a safe base name', () => {
  expect(safeFileName('../../etc/passwd')).toBe('passwd');
  expect(safeFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
  expect(safeFileName('bad\u0000name\n.txt')).toBe('badname.txt');
  expect(safeFileName('..')).toBe('file');
  expect(safeFileName(undefined)).toBe('file');
  expect(safeFileName('x'.repeat(500))).toHaveLength(200);
});
