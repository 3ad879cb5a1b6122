/**
 * Topic names and filters, MQTT 3.1.1 section 4.7. Validation follows the MUSTs of the
 * specification; matching walks both strings once without splitting them, because it
 * runs for every incoming message against every subscription.
 */
import { ProtocolError } from "../common/errors";
import { charCodeAt, codeUnit, utf8Length } from "../common/utf8";

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;
/** codeUnit past the end of a string. */
const END = -1;

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
	// Walked with codeUnit, never `.length` or `.charCodeAt`: see charCodeAt in utf8.ts.
	if (codeUnit(topic, 0) === END) return "is empty";
	for (let i = 0; ; i++) {
		const c = charCodeAt.call(topic, i);
		if (c !== c) return undefined; // NaN: the end
		if (c === 0) return "contains U+0000";
		if (c !== PLUS && c !== HASH) continue;
		if (!filter) return "contains a wildcard";
		const next = codeUnit(topic, i + 1);
		if ((i > 0 && codeUnit(topic, i - 1) !== SLASH) || (next !== END && next !== SLASH)) return "has a wildcard that does not fill a whole level";
		if (c === HASH && next !== END) return 'has "#" before the last level';
	}
}

/** True if `filter` selects `topic`; "$" topics are never selected by a leading wildcard (4.7.2). */
export function topicMatches(filter: string, topic: string): boolean {
	if (codeUnit(topic, 0) === DOLLAR) {
		const first = codeUnit(filter, 0);
		if (first === PLUS || first === HASH) return false;
	}
	let f = 0;
	let t = 0;
	for (;;) {
		const c = codeUnit(filter, f);
		if (c === END) return codeUnit(topic, t) === END;
		if (c === HASH) return true;
		if (c === PLUS) {
			for (let u = codeUnit(topic, t); u !== SLASH && u !== END; u = codeUnit(topic, ++t));
			f++;
			continue;
		}
		if (codeUnit(topic, t) === c) {
			f++;
			t++;
			continue;
		}
		// "sport/#" also selects the parent level "sport" (4.7.1.2).
		return codeUnit(topic, t) === END && c === SLASH && codeUnit(filter, f + 1) === HASH && codeUnit(filter, f + 2) === END;
	}
}

function validateString(text: string, what: string): void {
	const length = utf8Length(text);
	if (length < 0) throw invalid(`${what} is not valid UTF-8 (lone surrogate)`);
	if (length > 0xffff) throw invalid(`${what} is ${length} bytes, over the 65535-byte limit`);
}

function invalid(message: string): ProtocolError {
	return new ProtocolError("INVALID_TOPIC", message);
}
