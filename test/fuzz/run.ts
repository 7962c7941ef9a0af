/**
 * Drives generated cases against a running bot over real HTTP (node:http, so odd methods, raw
 * headers and broken bodies go out exactly as generated) and judges every answer. Shared by the
 * jest test and `npm run fuzz`.
 */
import http from 'node:http';
import { describeRequest, generateCase, type FuzzCase, type FuzzRequest, type GenerateOptions, type KnownFinding } from './generate';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

export interface Finding {
  seed: number;
  index: number;
  family: string;
  /** Which request of the case (a conversation has several). */
  step: number;
  problem: string;
  request: string;
  known?: KnownFinding;
}

export interface FuzzSummary {
  seed: number;
  cases: number;
  requests: number;
  statuses: Record<string, number>;
  families: Record<string, number>;
  /** Time spent answering each family's requests (where the run's time goes). */
  familyMs: Record<string, number>;
  findings: Finding[];
  slowestMs: number;
  slowestCase: number;
  ms: number;
}

export interface RunOptions extends GenerateOptions {
  baseUrl: string;
  seed: number;
  cases: number;
  /** First case index (a rerun of one case: --from=i --cases=1). */
  from?: number;
  concurrency: number;
  /** An answer slower than this is a finding. */
  timeoutMs: number;
  /** Cases between two /healthz checks. */
  batch: number;
  /** Called after each batch (the caller may check its logs or the process). */
  afterBatch?: (done: number, summary: FuzzSummary) => void | Promise<void>;
}

/**
 * Genuine server faults: the only 5xx answers that are not findings. A draining instance answers
 * 503 ShuttingDown (the channel retries elsewhere); /readyz answers 503 while the store is down.
 * Anything else in the 5xx range, a 500 above all, is a finding.
 */
export function genuineServerFault(req: FuzzRequest, answer: Answer): boolean {
  if (answer.status === 503 && req.path.startsWith('/readyz')) return true;
  if (answer.status === 503 && answer.body.includes('"ShuttingDown"')) return true;
  return false;
}

export function send(baseUrl: string, req: FuzzRequest, timeoutMs: number): Promise<Answer> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body && headers['content-length'] === undefined) headers['content-length'] = String(req.body.length);
    const request = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // The server may answer (413, 400) and close before a large body is written: that is an answer.
    request.on('error', reject);
    if (req.body) request.write(req.body);
    request.end();
  });
}

/** What is wrong with an answer, or undefined. */
export function judge(req: FuzzRequest, answer: Answer, timeoutMs: number): string | undefined {
  if (answer.status >= 500 && !genuineServerFault(req, answer)) return `answered ${answer.status}: ${answer.body.slice(0, 200)}`;
  if (answer.ms > timeoutMs) return `answered after ${Math.round(answer.ms)} ms (bound ${timeoutMs} ms)`;
  if (req.expect === 'notSuccess' && answer.status < 300) return `a non-JSON body was accepted (${answer.status})`;
  if (req.expect === 'nosniff' && answer.headers['x-content-type-options'] !== 'nosniff') return `no X-Content-Type-Options: nosniff (${answer.status})`;
  return undefined;
}

export async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const answer = await send(baseUrl, { method: 'GET', path: '/healthz', headers: {} }, 5000);
    return answer.status === 200;
  } catch {
    return false;
  }
}

export async function runFuzz(options: RunOptions): Promise<FuzzSummary> {
  const from = options.from ?? 0;
  const summary: FuzzSummary = { seed: options.seed, cases: 0, requests: 0, statuses: {}, families: {}, familyMs: {}, findings: [], slowestMs: 0, slowestCase: -1, ms: 0 };
  const started = performance.now();
  const add = (c: FuzzCase, step: number, problem: string) =>
    summary.findings.push({ seed: c.seed, index: c.index, family: c.family, step, problem, request: describeRequest(c.requests[step]!), ...(c.requests[step]!.known ? { known: c.requests[step]!.known } : {}) });

  const runCase = async (c: FuzzCase): Promise<void> => {
    summary.families[c.family] = (summary.families[c.family] ?? 0) + 1;
    for (const [step, req] of c.requests.entries()) {
      summary.requests += 1;
      let answer: Answer;
      try {
        answer = await send(options.baseUrl, req, options.timeoutMs);
      } catch (error) {
        summary.statuses.error = (summary.statuses.error ?? 0) + 1;
        // A large body the server refused before reading it all (EPIPE/ECONNRESET) is an answer, not a fault.
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === 'EPIPE' || code === 'ECONNRESET') && (req.body?.length ?? 0) > 64 * 1024) continue;
        add(c, step, `no answer: ${(error as Error).message}`);
        return;
      }
      summary.statuses[answer.status] = (summary.statuses[answer.status] ?? 0) + 1;
      summary.familyMs[c.family] = (summary.familyMs[c.family] ?? 0) + answer.ms;
      if (answer.ms > summary.slowestMs) {
        summary.slowestMs = answer.ms;
        summary.slowestCase = c.index;
      }
      const problem = judge(req, answer, options.timeoutMs);
      if (problem) add(c, step, problem);
    }
  };

  let next = from;
  const end = from + options.cases;
  while (next < end) {
    const batchEnd = Math.min(end, next + options.batch);
    const workers = Array.from({ length: options.concurrency }, async () => {
      while (next < batchEnd) {
        const c = generateCase(options.seed, next++, options);
        summary.cases += 1;
        await runCase(c);
      }
    });
    await Promise.all(workers);
    if (!(await healthy(options.baseUrl))) {
      summary.findings.push({ seed: options.seed, index: batchEnd - 1, family: 'health', step: 0, problem: `/healthz failed after cases ${from}..${batchEnd - 1}`, request: 'GET /healthz' });
      break;
    }
    await options.afterBatch?.(batchEnd - from, summary);
  }
  summary.ms = performance.now() - started;
  return summary;
}

/** Planted secrets (phone-like numbers, tokens) found verbatim in the logs: the text or its digits. */
export function leakedSecrets(secrets: Iterable<string>, logs: string): string[] {
  const leaked: string[] = [];
  const digitsInLogs = logs.replace(/[^0-9\n]/g, '');
  for (const secret of new Set(secrets)) {
    const digits = secret.replace(/\D/g, '');
    if (logs.includes(secret) || (/^[+\d\s()-]+$/.test(secret) && digits.length >= 9 && digitsInLogs.includes(digits))) leaked.push(secret);
  }
  return leaked;
}

export function formatSummary(s: FuzzSummary): string {
  const lines = [
    `fuzz: seed ${s.seed}, ${s.cases} cases, ${s.requests} requests in ${(s.ms / 1000).toFixed(1)} s (slowest answer ${Math.round(s.slowestMs)} ms, case ${s.slowestCase})`,
    `statuses: ${Object.entries(s.statuses).sort().map(([k, v]) => `${k}×${v}`).join(' ')}`,
    `families: ${Object.entries(s.families).sort().map(([k, v]) => `${k}×${v} (${Math.round((s.familyMs[k] ?? 0) / 1000)} s)`).join(' ')}`,
    `findings: ${s.findings.length}`,
  ];
  // One line per kind of finding (family and problem, digits folded), with its first case to rerun.
  const groups = new Map<string, Finding[]>();
  for (const f of s.findings) {
    const key = `${f.family}${f.known ? ` [known: ${f.known}]` : ''}: ${f.problem.slice(0, 90).replace(/\d+/g, 'N')}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [key, all] of groups) {
    const f = all[0]!;
    lines.push(`  ${all.length}× ${key}`);
    lines.push(`    first: case ${f.index} step ${f.step}; rerun: npm run fuzz -- --seed=${f.seed} --from=${f.index} --cases=1`);
    if (f.request) lines.push(`    ${f.request}`);
  }
  return lines.join('\n');
}
