// Guards the HTTP server of the Next.js process (scripts/start.mjs loads this
// file into it with `node --import`): Next.js creates its own server, so the
// two things only a server can do are added to every server made here.
//
// 1. The peer address. Route handlers see no socket; they see headers, and
//    every X-Forwarded-* header can be sent by the client. Each request gets
//    PEER_HEADER set to its socket's remote address, replacing whatever the
//    client sent under that name; GUARD_FLAG on globalThis says the header can
//    be believed (server/auth/http.ts, `clientKey`).
// 2. Malformed or oversized requests (a 100 KB query string) are answered
//    with a status (431, 400, 408) and a short text instead of a reset: the
//    rest of what the client is sending is read and dropped before closing, as
//    closing a socket with unread data sends a TCP reset that can destroy the
//    answer before the client reads it.
import http from 'node:http';

export const PEER_HEADER = 'x-bisect-peer';
export const GUARD_FLAG = Symbol.for('bisect-dashboard.http-guard');

/** Bytes read and dropped after an error answer before the connection is cut anyway. */
const DRAIN_BYTES = 1024 * 1024;
/** How long a client gets to read the error answer. */
const DRAIN_MS = 2000;

/** @param {http.IncomingMessage} req */
function tagPeer(req) {
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? 'unknown';
}

/** @param {Error & { code?: string }} err */
function errorAnswer(err) {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return [431, 'Request Header Fields Too Large', `request line and headers too large: at most ${Math.floor(http.maxHeaderSize / 1024)} KiB (shorten the URL or send the data in a POST body)`];
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'Request Timeout', 'the request took too long to arrive'];
  return [400, 'Bad Request', 'malformed HTTP request'];
}

const answered = new WeakSet();

/**
 * `clientError` listener: one plain-text answer, then the client's remaining
 * bytes are drained (at most DRAIN_BYTES, DRAIN_MS) so it can read it.
 * @param {Error & { code?: string }} err
 * @param {import('node:net').Socket} socket
 */
export function answerClientError(err, socket) {
  if (answered.has(socket)) return;
  answered.add(socket);
  socket.on('error', () => undefined);
  // A response already on its way (keep-alive) cannot be followed by another one.
  const inFlight = /** @type {{ _httpMessage?: unknown }} */ (socket)._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight) {
    socket.destroy();
    return;
  }
  const [status, reason, text] = errorAnswer(err);
  const body = `${text}\n`;
  socket.removeAllListeners('data');
  let drained = 0;
  socket.on('data', (chunk) => {
    drained += chunk.length;
    if (drained > DRAIN_BYTES) socket.destroy();
  });
  socket.resume();
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}

/**
 * Adds both guards to `server`; returns it.
 * @template {http.Server} S
 * @param {S} server
 * @returns {S}
 */
export function guardServer(server) {
  server.prependListener('request', tagPeer);
  server.on('clientError', answerClientError);
  return server;
}

/** Every `http.createServer` of this process from now on makes guarded servers. */
export function installHttpGuard() {
  const create = http.createServer;
  /** @type {typeof http.createServer} */
  const guarded = (/** @type {any[]} */ ...args) => guardServer(create.apply(http, /** @type {never} */ (args)));
  http.createServer = guarded;
  /** @type {Record<symbol, unknown>} */ (globalThis)[GUARD_FLAG] = true;
}
