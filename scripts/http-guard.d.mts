import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Request header carrying the socket's remote address, set by the guard (never the client's value). */
export declare const PEER_HEADER: 'x-bisect-peer';
/** On globalThis while the guard is installed: PEER_HEADER can be believed. */
export declare const GUARD_FLAG: unique symbol;
export declare function answerClientError(err: Error & { code?: string }, socket: Socket): void;
export declare function guardServer<S extends Server>(server: S): S;
export declare function installHttpGuard(): void;
