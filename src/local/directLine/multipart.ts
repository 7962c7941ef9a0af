/**
 * A small multipart/form-data reader (RFC 7578) for Direct Line uploads: the whole body is already
 * in memory and capped, so a buffer scan is enough and no dependency is needed.
 */

export interface FormPart {
  /** The form field name (`activity`, `file`). */
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

/** The boundary from a `Content-Type: multipart/form-data; boundary=…` header, if it is one. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

export function parseMultipart(body: Buffer, boundary: string, maxParts = 20): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at < 0) throw new MultipartError('The body has no multipart boundary.');
  const parts: FormPart[] = [];
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString('latin1') === '--') return parts;
    if (!body.subarray(at, at + 2).equals(CRLF)) throw new MultipartError('A multipart boundary is not followed by a line break.');
    at += 2;
    const headerEnd = body.indexOf(HEADER_END, at);
    if (headerEnd < 0) throw new MultipartError('A part has no end of headers.');
    const headers = parseHeaders(body.subarray(at, headerEnd).toString('utf8'));
    const contentStart = headerEnd + HEADER_END.length;
    const contentEnd = body.indexOf(nextDelimiter, contentStart);
    if (contentEnd < 0) throw new MultipartError('The multipart body ends before its closing boundary.');
    parts.push(toPart(headers, body.subarray(contentStart, contentEnd)));
    if (parts.length > maxParts) throw new MultipartError(`At most ${maxParts} parts are accepted.`);
    at = contentEnd + CRLF.length;
  }
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function toPart(headers: Map<string, string>, data: Buffer): FormPart {
  const disposition = headers.get('content-disposition');
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) throw new MultipartError('A part has no form-data Content-Disposition.');
  const params = dispositionParams(disposition);
  const name = params.get('name');
  if (!name) throw new MultipartError('A part has no field name.');
  const filename = params.get('filename*') ?? params.get('filename');
  return { name, filename, contentType: headers.get('content-type'), data };
}

function dispositionParams(disposition: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /;\s*([A-Za-z0-9_-]+\*?)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (const [, rawKey, rawValue] of disposition.matchAll(pattern)) {
    const key = rawKey!.toLowerCase();
    let value = rawValue!.trim();
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    if (key.endsWith('*')) {
      // RFC 5987: charset'language'percent-encoded
      const encoded = /^[^']*'[^']*'(.*)$/.exec(value)?.[1];
      try {
        value = decodeURIComponent(encoded ?? value);
      } catch {
        continue;
      }
    }
    params.set(key, value);
  }
  return params;
}

/** A file name that is safe to put in a URL path and a header: no directories, no control characters. */
export function safeFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : 'file';
}
