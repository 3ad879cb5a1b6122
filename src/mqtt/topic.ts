/**
 * Topic names and filters, MQTT 3.1.1 section 4.7. Validation follows the MUSTs of the
 * specification; matching walks both strings once without splitting them, because it
 * runs for every incoming message against every subscription.
 */
import { ProtocolError } from "../common/errors";
import { utf8Length, writeUtf8 } from "../common/utf8";

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

/** A topic name to publish to: no wildcards (4.7.1-1). */
export function validateTopicName(topic: string): void {
	check(topic, false, "topic name");
}

/** A subscription filter: "+" fills a whole level, "#" is a whole last level (4.7.1-2, 4.7.1-3). */
export function validateTopicFilter(filter: string): void {
	check(filter, true, "topic filter");
}

/**
 * What is wrong with the topic name (`filter` false) or filter in UTF-8 bytes[start, end),
 * or undefined: emptiness, U+0000 and wildcard placement, in one pass. It reads bytes,
 * not a string: "+", "#", "/" and NUL are single bytes in UTF-8 that never occur inside
 * a multi-byte sequence, and the decoder has the bytes already (in XS, reading a
 * string's characters boxes it on every access). UTF-8 form and length are the
 * caller's to check.
 */
export function topicProblem(bytes: Uint8Array, start: number, end: number, filter: boolean): string | undefined {
	if (start === end) return "is empty";
	for (let i = start; i < end; i++) {
		const c = bytes[i];
		if (c === 0) return "contains U+0000";
		if (c !== PLUS && c !== HASH) continue;
		if (!filter) return "contains a wildcard";
		if ((i > start && bytes[i - 1] !== SLASH) || (i < end - 1 && bytes[i + 1] !== SLASH)) return "has a wildcard that does not fill a whole level";
		if (c === HASH && i !== end - 1) return 'has "#" before the last level';
	}
	return undefined;
}

/** True if `filter` selects `topic`; "$" topics are never selected by a leading wildcard (4.7.2). */
export function topicMatches(filter: string, topic: string): boolean {
	// String.prototype.charCodeAt.call, not topic.charCodeAt: see utf8.ts.
	const fl = filter.length;
	const tl = topic.length;
	if (tl > 0 && String.prototype.charCodeAt.call(topic, 0) === DOLLAR) {
		const first = String.prototype.charCodeAt.call(filter, 0);
		if (first === PLUS || first === HASH) return false;
	}
	let f = 0;
	let t = 0;
	while (f < fl) {
		const c = String.prototype.charCodeAt.call(filter, f);
		if (c === HASH) return true;
		if (c === PLUS) {
			while (t < tl && String.prototype.charCodeAt.call(topic, t) !== SLASH) t++;
			f++;
			continue;
		}
		if (t < tl && String.prototype.charCodeAt.call(topic, t) === c) {
			f++;
			t++;
			continue;
		}
		// "sport/#" also selects the parent level "sport" (4.7.1.2).
		return t === tl && c === SLASH && f + 2 === fl && String.prototype.charCodeAt.call(filter, f + 1) === HASH;
	}
	return t === tl;
}

function check(text: string, filter: boolean, what: string): void {
	const length = utf8Length(text);
	if (length < 0) throw invalid(`${what} is not valid UTF-8 (lone surrogate)`);
	if (length > 0xffff) throw invalid(`${what} is ${length} bytes, over the 65535-byte limit`);
	const bytes = new Uint8Array(length);
	writeUtf8(text, bytes, 0);
	const problem = topicProblem(bytes, 0, length, filter);
	if (problem) throw invalid(`${what} "${text}" ${problem}`);
}

function invalid(message: string): ProtocolError {
	return new ProtocolError("INVALID_TOPIC", message);
}
