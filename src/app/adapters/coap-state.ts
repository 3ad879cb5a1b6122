/**
 * What a sleepy CoAP device retains (beside the CoAP adapter, so only an image with CoAP
 * carries it): the message id and token counter go on across sleep (RFC 7252 4.4, 5.3.1), and the readings POSTed as CON that the collector had not
 * acknowledged when the wake ended, so the next wake delivers them. Readings through
 * the sleepy vocabulary: 10 bytes each.
 *
 * Layout: version(1) messageId(2) tokenCounter(2) count(1) { payload (vocabulary.ts) }
 */
import { encodeUtf8, readUtf8 } from "../../common/utf8";
import type { SessionState } from "../../dtls/connection";
import { RecordReader, RecordWriter } from "../../power/record-bytes";
import { readPayload, writePayload, type Vocabulary } from "../../power/vocabulary";

const enum Layout {
	VERSION = 1,
	/** A DTLS master secret's bytes (RFC 5246 8.1, as dtls/keys.ts): here, not imported, so an image without DTLS still reads a state. */
	MASTER_SECRET = 48,
}
const WHAT = "CoAP sleepy state";
/** Readings kept unacknowledged at most: a collector down for days must not fill RTC memory. */
export const MAX_PENDING_READINGS = 4;

export interface CoapSleepyState {
	readonly messageId: number;
	readonly tokenCounter: number;
	/** JSON readings not acknowledged, oldest first. */
	readonly pending: readonly string[];
	/** The coaps session to resume, when there was one. */
	readonly session?: SessionState;
}

export function encodeCoapState(state: CoapSleepyState, vocabulary: Vocabulary): Uint8Array {
	const w = new RecordWriter(WHAT);
	w.byte(Layout.VERSION);
	w.u16(state.messageId);
	w.u16(state.tokenCounter);
	w.count(state.pending.length);
	const pending = state.pending;
	for (let i = 0; i < pending.length; i++) writePayload(w, encodeUtf8(pending[i]), vocabulary);
	const session = state.session;
	if (session && session.sessionId.length > 0) {
		w.byte(session.sessionId.length);
		w.bytes(session.sessionId);
		w.bytes(session.masterSecret);
	}
	return w.finish();
}

/** Throws ProtocolError("MALFORMED_PACKET") for bytes that are not a state this version wrote. */
export function decodeCoapState(bytes: Uint8Array, vocabulary: Vocabulary): CoapSleepyState {
	const r = new RecordReader(bytes, WHAT);
	if (r.byte() !== Layout.VERSION) throw r.malformed("another version");
	const messageId = r.u16();
	const tokenCounter = r.u16();
	const pending = r.list(() => readUtf8(readPayload(r, vocabulary)));
	if (r.remaining === 0) return { messageId, tokenCounter, pending };
	const idLength = r.byte();
	if (idLength < 1 || idLength > 32) throw r.malformed("a session id of " + idLength + " bytes");
	const sessionId = r.bytes(idLength).slice();
	const masterSecret = r.bytes(Layout.MASTER_SECRET).slice();
	r.end();
	return { messageId, tokenCounter, pending, session: { sessionId, masterSecret } };
}
