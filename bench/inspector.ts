/**
 * A full garbage collection in a child, from outside: V8 returns heap lazily, so an idle process's
 * RSS mostly says how much garbage it has not yet had a reason to collect. The child is started
 * with `--inspect-port=N` (which opens nothing), SIGUSR1 opens its inspector on 127.0.0.1:N when
 * the memory figure is taken, and the DevTools protocol asks for a collection.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

export interface HeapFigures {
  heapUsed: number;
  heapTotal: number;
  external: number;
  rss: number;
}

/** Opens the inspector of process `pid` (started with --inspect-port=port) and returns its WebSocket URL. */
export async function openInspector(pid: number, port: number): Promise<string> {
  process.kill(pid, 'SIGUSR1');
  for (let i = 0; i < 50; i += 1) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(1000) });
      const targets = (await res.json()) as { webSocketDebuggerUrl?: string }[];
      const url = targets[0]?.webSocketDebuggerUrl;
      if (url) return url;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the inspector of pid ${pid} did not open on port ${port}`);
}

/** Two full collections (the second catches what finalizers freed), then process.memoryUsage(). */
export async function collectGarbage(webSocketUrl: string): Promise<HeapFigures> {
  const ws = new WebSocket(webSocketUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on('message', (data: WebSocket.RawData) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      nextId += 1;
      pending.set(nextId, resolve);
      ws.send(JSON.stringify({ id: nextId, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const evaluated = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
    return JSON.parse(evaluated.result.value) as HeapFigures;
  } finally {
    ws.close();
  }
}
