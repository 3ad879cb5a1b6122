/**
 * Topic names and filters, MQTT 3.1.1 section 4.7. Validation follows the MUSTs of the
 * specification; matching walks both strings once without splitting them, because it
 * runs for every incoming message against every subscription.
 */
import { ProtocolError } from "../common/errors";
import { utf8Length } from "../common/utf8";

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

/** A topic name to publish to: no wildcards (4.7.1-1). */
export function validateTopicName(topic: string): void {
	validateString(topic, "topic name");
	for (let i = 0; i < topic.length; i++) {
		const c = topic.charCodeAt(i);
		if (c === PLUS || c === HASH) throw invalid(`topic name "${topic}" contains a wildcard`);
	}
}

/** A subscription filter: "+" fills a whole level, "#" is a whole last level (4.7.1-2, 4.7.1-3). */
export function validateTopicFilter(filter: string): void {
	validateString(filter, "topic filter");
	for (let i = 0; i < filter.length; i++) {
		const c = filter.charCodeAt(i);
		if (c !== PLUS && c !== HASH) continue;
		const levelStart = i === 0 || filter.charCodeAt(i - 1) === SLASH;
		const levelEnd = i === filter.length - 1 || filter.charCodeAt(i + 1) === SLASH;
		if (!levelStart || !levelEnd) throw invalid(`topic filter "${filter}": a wildcard must fill a whole level`);
		if (c === HASH && i !== filter.length - 1) throw invalid(`topic filter "${filter}": "#" must be the last level`);
	}
}

/** True if `filter` selects `topic`; "$" topics are never selected by a leading wildcard (4.7.2). */
export function topicMatches(filter: string, topic: string): boolean {
	const fl = filter.length;
	const tl = topic.length;
	if (tl > 0 && topic.charCodeAt(0) === DOLLAR) {
		const first = filter.charCodeAt(0);
		if (first === PLUS || first === HASH) return false;
	}
	let f = 0;
	let t = 0;
	while (f < fl) {
		const c = filter.charCodeAt(f);
		if (c === HASH) return true;
		if (c === PLUS) {
			while (t < tl && topic.charCodeAt(t) !== SLASH) t++;
			f++;
			continue;
		}
		if (t < tl && topic.charCodeAt(t) === c) {
			f++;
			t++;
			continue;
		}
		// "sport/#" also selects the parent level "sport" (4.7.1.2).
		return t === tl && c === SLASH && f + 2 === fl && filter.charCodeAt(f + 1) === HASH;
	}
	return t === tl;
}

function validateString(text: string, what: string): void {
	if (text.length === 0) throw invalid(`${what} is empty`);
	const length = utf8Length(text);
	if (length < 0) throw invalid(`${what} is not valid UTF-8 (lone surrogate)`);
	if (length > 0xffff) throw invalid(`${what} is ${length} bytes, over the 65535-byte limit`);
	if (text.indexOf("\u0000") >= 0) throw invalid(`${what} contains U+0000`);
}

function invalid(message: string): ProtocolError {
	return new ProtocolError("INVALID_TOPIC", message);
}
