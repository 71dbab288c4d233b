/**
 * The drill's sidecar process (bundled by esbuild and run with plain node, apart from the load generator so its
 * work never skews the measured latencies):
 *  - one tiny HTTP health agent per PostgreSQL node, Patroni-style: GET /primary answers 200 only when the node
 *    answers and pg_is_in_recovery() is false, GET /replica only when it answers and is in recovery. HAProxy's
 *    "cluster endpoint" (writer) and "reader endpoint" check these, so they follow whichever node is the writer.
 *  - TCP proxies always in the service's database path (writer and reader), which add a configurable delay to every
 *    chunk flowing back from the database: the "+200 ms on the database path" fault.
 *  - a control endpoint: GET /delay?ms=N sets that delay; GET /fence?pgPort=P&fenced=1|0 fences a node: its agent
 *    never answers /primary 200 again until the fence is lifted, so the writer endpoint never takes an old primary
 *    back after a promotion, even when it resumes (SIGCONT) still believing it is the primary.
 * Argument: one JSON object (SidecarConfig). Everything listens on loopback only.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, connect, type Socket } from 'node:net';
import { Client } from 'pg';

export interface SidecarConfig {
  readonly controlPort: number;
  readonly agents: readonly { readonly pgPort: number; readonly agentPort: number }[];
  /** Each proxy listens on listenHost:listenPort and forwards to targetHost:targetPort. */
  readonly proxies: readonly {
    readonly listenHost: string;
    readonly listenPort: number;
    readonly targetHost: string;
    readonly targetPort: number;
  }[];
}

type Role = 'primary' | 'replica' | 'down';

/** Pure: the agent's status code for a check of `path` on a node in `role`; a fenced node is never a primary. */
export function agentStatus(path: string, role: Role, fenced: boolean): number {
  if (path === '/primary') return role === 'primary' && !fenced ? 200 : 503;
  if (path === '/replica') return role === 'replica' ? 200 : 503;
  return 404;
}

const fencedPorts = new Set<number>();

async function probe(pgPort: number): Promise<Role> {
  const client = new Client({
    host: '127.0.0.1',
    port: pgPort,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 700,
    query_timeout: 700,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const res = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    return res.rows[0]?.r ? 'replica' : 'primary';
  } catch {
    return 'down';
  } finally {
    client.end().catch(() => undefined);
  }
}

function startAgent(pgPort: number, agentPort: number): void {
  // HAProxy checks each node from two backends every 500 ms; one probe serves requests arriving within 150 ms.
  let last: { at: number; role: Promise<Role> } | undefined;
  const roleNow = (): Promise<Role> => {
    const now = Date.now();
    if (!last || now - last.at > 150) last = { at: now, role: probe(pgPort) };
    return last.role;
  };
  createHttpServer((req, res) => {
    void roleNow().then((role) => {
      const path = (req.url ?? '/').split('?')[0];
      const fenced = fencedPorts.has(pgPort);
      res.writeHead(agentStatus(path, role, fenced), { 'content-type': 'application/json' });
      res.end(JSON.stringify({ role, fenced }));
    });
  }).listen(agentPort, '127.0.0.1');
}

let delayMs = 0;

/** Delays every chunk from the database side by delayMs, preserving order. */
function delayedPipe(from: Socket, to: Socket): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0].due <= now) to.write(queue.shift()!.chunk);
    if (queue.length > 0) timer = setTimeout(flush, queue[0].due - now);
  };
  from.on('data', (chunk: Buffer) => {
    if (delayMs === 0 && queue.length === 0) {
      to.write(chunk);
      return;
    }
    queue.push({ due: Date.now() + delayMs, chunk });
    if (!timer) timer = setTimeout(flush, Math.max(0, queue[0].due - Date.now()));
  });
  from.on('end', () => {
    const wait = queue.length > 0 ? Math.max(0, queue[queue.length - 1].due - Date.now()) + 1 : 0;
    setTimeout(() => to.end(), wait);
  });
}

function startProxy(p: SidecarConfig['proxies'][number]): void {
  createTcpServer((client) => {
    const upstream = connect({ host: p.targetHost, port: p.targetPort });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk) => upstream.write(chunk));
    client.on('end', () => upstream.end());
    delayedPipe(upstream, client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', () => setTimeout(close, delayMs + 1));
  }).listen(p.listenPort, p.listenHost);
}

function main(): void {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as SidecarConfig;
  for (const a of cfg.agents) startAgent(a.pgPort, a.agentPort);
  for (const p of cfg.proxies) startProxy(p);
  createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/delay') {
      const ms = Number(url.searchParams.get('ms') ?? '0');
      if (Number.isFinite(ms) && ms >= 0 && ms <= 10_000) delayMs = ms;
    }
    if (url.pathname === '/fence') {
      const port = Number(url.searchParams.get('pgPort'));
      if (cfg.agents.some((a) => a.pgPort === port)) {
        if (url.searchParams.get('fenced') === '1') fencedPorts.add(port);
        else fencedPorts.delete(port);
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ delayMs, fencedPgPorts: [...fencedPorts] }));
  }).listen(cfg.controlPort, '127.0.0.1');
}

if (require.main === module) main();
