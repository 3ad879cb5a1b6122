/**
 * Topic names and filters, MQTT 3.1.1 section 4.7, checked as the specification's MUSTs
 * say. (The firmware matches no filters: the broker routes, the app compares topics.)
 */
import { ProtocolError } from "../common/errors";
import * as utf8 from "../common/utf8"; // one namespace: a named import costs XS the module name again

/** The bytes that matter in a topic (a `const enum`: written in place, no module binding to read). */
const enum Char {
	SLASH = 0x2f,
	PLUS = 0x2b,
	HASH = 0x23,
}

/** A topic name to publish to: no wildcards (4.7.1-1). */
export function validateTopicName(topic: string): void {
	topicField(topic, false);
}

/** A subscription filter: "+" fills a whole level, "#" is a whole last level (4.7.1-2, 4.7.1-3). */
export function validateTopicFilter(filter: string): void {
	topicField(filter, true);
}

/**
 * The topic as the MQTT string field a packet carries (two-byte length, then UTF-8),
 * checked on the way: one walk sizes it, one writes it, one reads the bytes back for
 * wildcards and U+0000. Throws INVALID_TOPIC.
 */
function topicField(text: string, filter: boolean): Uint8Array {
	const length = utf8.utf8Length(text);
	if (length < 0 || length > 0xffff) throw invalid(text, "is not UTF-8 of at most 65535 bytes");
	const field = new Uint8Array(2 + length);
	field[0] = length >> 8;
	field[1] = length & 0xff;
	utf8.writeUtf8(text, field, 2);
	const problem = topicProblem(field, 2, field.length, filter);
	if (problem) throw invalid(text, problem);
	return field;
}

/**
 * What is wrong with the topic name (`filter` false) or filter in UTF-8 bytes[start, end),
 * or undefined. It reads bytes, not a string: "+", "#", "/" and NUL are single bytes in
 * UTF-8 that never occur inside a multi-byte sequence. UTF-8 form is the caller's to check.
 */
export function topicProblem(bytes: Uint8Array, start: number, end: number, filter: boolean): string | undefined {
	if (start === end) return "is empty";
	for (let i = start; i < end; i++) {
		const c = bytes[i];
		if (c === 0) return "contains U+0000";
		if (c !== Char.PLUS && c !== Char.HASH) continue;
		if (!filter) return "contains a wildcard";
		if ((i > start && bytes[i - 1] !== Char.SLASH) || (i < end - 1 && bytes[i + 1] !== Char.SLASH) || (c === Char.HASH && i !== end - 1)) return "has a misplaced wildcard";
	}
	return void 0;
}

/**
 * The last few topic names published to, as checked fields: the lamp publishes to the same
 * two or three topics, so each is walked once, not on every PUBLISH.
 */
export class TopicCache {
	// Public, not #private: this runs on every PUBLISH, and XS reads a private field ten times slower.
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	declare readonly names: string[];
	declare readonly fields: Uint8Array[];
	/** The entry the next new topic replaces: four at most. */
	declare next: number;

	constructor() {
		this.names = [];
		this.fields = [];
		this.next = 0;
	}

	field(topic: string): Uint8Array {
		const names = this.names;
		for (let i = 0; i < names.length; i++) if (names[i] === topic) return this.fields[i];
		const field = topicField(topic, false);
		const at = this.next;
		this.next = (at + 1) & 3;
		names[at] = topic;
		this.fields[at] = field;
		return field;
	}
}

function invalid(topic: string, problem: string): ProtocolError {
	return new ProtocolError("INVALID_TOPIC", 'topic "' + topic + '" ' + problem);
}
