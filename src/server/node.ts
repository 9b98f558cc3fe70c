// Runs a Fetch-API handler (Request → Response) under node:http, Express or Connect. Only type
// imports from Node, so importing oss-upload/server stays possible on runtimes without `node:`.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type FetchHandler = (request: Request) => Response | Promise<Response>;
/** Connect/Express `next`: called with the error when the handler throws, never on success. */
export type NodeNext = (err?: unknown) => void;
export type NodeListener = (req: IncomingMessage, res: ServerResponse, next?: NodeNext) => void;

/** What Express and body parsers add to the Node request. */
interface FrameworkRequest extends IncomingMessage {
  /** Express: the URL before a mount path was stripped from `url`. */
  originalUrl?: string;
  /** A body parser's result, when one already read the stream. */
  body?: unknown;
}

/**
 * `toNodeListener(handler)` is a `(req, res, next?)` function for `http.createServer`, `app.use`
 * or `app.get`. The handler sees the full URL (from `Host`; https when the socket is TLS), the
 * method, the headers, the body as a stream, and a signal that aborts when the client goes away.
 */
export function toNodeListener(handler: FetchHandler): NodeListener {
  return (req, res, next) => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    void (async () => {
      const response = await handler(toRequest(req, abort.signal));
      await writeResponse(res, response, req.method === 'HEAD');
      // An answer before the whole body was read (413, 415, 403…): drop the rest, unread.
      if (!req.complete) drains.get(req)?.();
    })().catch((err: unknown) => {
      if (res.headersSent) res.destroy(err instanceof Error ? err : undefined);
      else if (next) next(err);
      else {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.end(JSON.stringify({ code: 'InternalError', message: 'The server failed.' }));
      }
    });
  };
}

/** A Fetch `Request` for a Node request. */
export function toRequest(req: IncomingMessage, signal?: AbortSignal): Request {
  const framework = req as FrameworkRequest;
  const method = req.method ?? 'GET';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue; // HTTP/2 pseudo-headers
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }

  const encrypted = (req.socket as { encrypted?: boolean } | null)?.encrypted === true;
  const host = req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? 'localhost';
  const path = framework.originalUrl ?? req.url ?? '/';
  let url: URL;
  try {
    url = new URL(path, `${encrypted ? 'https' : 'http'}://${host}`);
  } catch {
    url = new URL(path.startsWith('/') ? path : '/', 'http://localhost');
  }

  const init: RequestInit = { method, headers, signal };
  if (method !== 'GET' && method !== 'HEAD') {
    if (req.readableEnded) {
      // A body parser got here first: hand its result on (re-serialised when it is parsed JSON).
      const parsed = framework.body;
      headers.delete('content-length');
      if (typeof parsed === 'string' || parsed instanceof Uint8Array) init.body = parsed;
      else if (parsed !== undefined && parsed !== null) {
        init.body = JSON.stringify(parsed);
        headers.set('content-type', 'application/json');
      }
    } else {
      init.body = bodyStream(req);
      init.duplex = 'half';
    }
  }
  return new Request(url, init);
}

/**
 * The Node request's body as a web stream, read only as fast as the handler pulls it (the
 * request is paused whenever the stream's queue is full). A client that goes away mid-body
 * errors the stream.
 *
 * Events and pause/resume, not `req[Symbol.asyncIterator]`: the iterator listens to 'readable',
 * and while it does `req.resume()` cannot drain what a handler left unread; a keep-alive socket
 * then stayed stuck behind the rest of the body and the client's next request on it was reset.
 */
const drains = new WeakMap<IncomingMessage, () => void>();

function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  const onData = (controller: ReadableStreamDefaultController<Uint8Array>) => (chunk: Buffer | string) => {
    if (settled) return;
    controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  let data: ((chunk: Buffer | string) => void) | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      req.pause();
      data = onData(controller);
      req.on('data', data);
      req.once('end', () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      const fail = (err?: Error) => {
        if (settled) return;
        settled = true;
        controller.error(err ?? Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      };
      req.on('error', fail);
      // 'close' before 'end': the client went away (Node may not emit 'error' for it).
      req.once('close', () => { if (!req.complete) fail(); });
    },
    pull() {
      req.resume();
    },
    cancel() {
      drain();
    },
  }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
  // The handler wants no more (it cancelled the body, or answered without reading it all): let
  // the rest flow away unread, so that the response can be sent and the connection stays usable
  // for the client's next request. Node's requestTimeout bounds how long that may take.
  const drain = () => {
    settled = true;
    if (data) req.off('data', data);
    req.resume();
  };
  drains.set(req, drain);
  return stream;
}

/** Writes a Fetch `Response` to a Node response, streaming its body with backpressure. */
export async function writeResponse(res: ServerResponse, response: Response, headOnly = false): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader('Set-Cookie', cookies);
  if (!response.body || headOnly) {
    await response.body?.cancel();
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        const open = res.destroyed ? false : await new Promise<boolean>((resolve) => {
          const onDrain = () => { res.off('close', onClose); resolve(true); };
          const onClose = () => { res.off('drain', onDrain); resolve(false); };
          res.once('drain', onDrain);
          res.once('close', onClose);
        });
        if (!open) {
          await reader.cancel();
          return;
        }
      }
    }
  } catch (err) {
    await reader.cancel(err).catch(() => {});
    throw err;
  }
  res.end();
}
