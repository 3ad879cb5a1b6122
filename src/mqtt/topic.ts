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
	const problem = topicProblem(topic, false);
	if (problem) throw invalid(`topic name "${topic}" ${problem}`);
}

/** A subscription filter: "+" fills a whole level, "#" is a whole last level (4.7.1-2, 4.7.1-3). */
export function validateTopicFilter(filter: string): void {
	validateString(filter, "topic filter");
	const problem = topicProblem(filter, true);
	if (problem) throw invalid(`topic filter "${filter}" ${problem}`);
}

/**
 * What is wrong with a topic name (`filter` false) or filter, or undefined: emptiness,
 * U+0000 and wildcard placement, in one pass. Byte length and UTF-8 form are the
 * caller's to check (the decoder has them from the wire already).
 */
export function topicProblem(topic: string, filter: boolean): string | undefined {
	const length = topic.length;
	if (length === 0) return "is empty";
	for (let i = 0; i < length; i++) {
		const c = topic.charCodeAt(i);
		if (c === 0) return "contains U+0000";
		if (c !== PLUS && c !== HASH) continue;
		if (!filter) return "contains a wildcard";
		if ((i > 0 && topic.charCodeAt(i - 1) !== SLASH) || (i < length - 1 && topic.charCodeAt(i + 1) !== SLASH)) return "has a wildcard that does not fill a whole level";
		if (c === HASH && i !== length - 1) return 'has "#" before the last level';
	}
	return undefined;
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
	const length = utf8Length(text);
	if (length < 0) throw invalid(`${what} is not valid UTF-8 (lone surrogate)`);
	if (length > 0xffff) throw invalid(`${what} is ${length} bytes, over the 65535-byte limit`);
}

function invalid(message: string): ProtocolError {
	return new ProtocolError("INVALID_TOPIC", message);
}
