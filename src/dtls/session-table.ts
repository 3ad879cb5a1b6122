/**
 * Sessions kept for resumption, by a string key (a server's by session id, a client's by
 * server address), capped: the least recently stored goes first.
 */
import type { SessionState } from "./connection";
import type { SessionCache } from "./server-handshake";

export class SessionTable implements SessionCache {
	// `declare`d and set in the constructor: class fields cost XS bytecode.
	private declare readonly cap: number;
	private declare readonly table: Map<string, SessionState>;

	constructor(cap: number) {
		this.cap = cap;
		this.table = new Map();
	}

	lookup(key: string): SessionState | undefined {
		return this.table.get(key);
	}

	store(key: string, session: SessionState): void {
		this.table.delete(key);
		if (this.cap <= 0) return;
		if (this.table.size >= this.cap) {
			const oldest = this.table.keys().next();
			if (!oldest.done) this.table.delete(oldest.value);
		}
		this.table.set(key, session);
	}

	forget(key: string): void {
		this.table.delete(key);
	}

	// SessionCache, for a server: by session id.

	get(sessionId: Uint8Array): SessionState | undefined {
		return this.table.get(idKey(sessionId));
	}

	put(session: SessionState): void {
		this.store(idKey(session.sessionId), session);
	}
}

function idKey(sessionId: Uint8Array): string {
	let key = "#";
	for (let i = 0; i < sessionId.length; i++) key += String.fromCharCode(sessionId[i]);
	return key;
}
