/**
 * What a retained record may name instead of spelling out, so a session with messages in
 * flight fits in RTC memory (236 bytes a slot on the ESP8266): the configured topics, as
 * an index, and the payloads the firmware itself writes (a reading, its "asleep" status,
 * a wake marker), as their binary form. Anything else is kept as it is, so nothing a
 * session holds is ever lost to the compaction; it only takes more room.
 *
 * A form must give back the very bytes it was given: writePayload checks that it does
 * before trusting it, so a payload a form only nearly matches is kept raw.
 */
import { crc32 } from "./retained-store";
import { encodeUtf8 } from "../common/utf8";
import type { RecordReader, RecordWriter } from "./record-bytes";

export interface PayloadForm {
	/** The payload's compact bytes (at most 255), or undefined when it is not of this form. */
	compact(payload: Uint8Array): Uint8Array | undefined;
	expand(compact: Uint8Array): Uint8Array;
}

export interface Vocabulary {
	/** At most 255. */
	readonly topics: readonly string[];
	/** At most 254. */
	readonly forms: readonly PayloadForm[];
	/**
	 * Names the vocabulary a record was written with: a record of another configuration
	 * (other topics) must not be read with this one's indices. Computed once (vocabulary()).
	 */
	readonly tag: number;
}

export function vocabulary(topics: readonly string[], forms: readonly PayloadForm[]): Vocabulary {
	return { topics, forms, tag: crc32(encodeUtf8(forms.length + "\n" + topics.join("\n"))) };
}

export const NO_VOCABULARY: Vocabulary = vocabulary([], []);

const enum Kind {
	/** Topic byte: an index into the vocabulary's topics, or this followed by the string. */
	LITERAL_TOPIC = 0xff,
	/** Payload byte: a form's index + 1, or this followed by the raw bytes. */
	RAW_PAYLOAD = 0,
}

export function writeTopic(w: RecordWriter, topic: string, vocabulary: Vocabulary): void {
	const index = vocabulary.topics.indexOf(topic);
	if (index >= 0 && index < Kind.LITERAL_TOPIC) w.byte(index);
	else {
		w.byte(Kind.LITERAL_TOPIC);
		w.string(topic);
	}
}

export function readTopic(r: RecordReader, vocabulary: Vocabulary): string {
	const index = r.byte();
	if (index === Kind.LITERAL_TOPIC) return r.string();
	const topic = vocabulary.topics[index];
	if (topic === void 0) throw r.malformed(`topic index ${index}`);
	return topic;
}

export function writePayload(w: RecordWriter, payload: Uint8Array, vocabulary: Vocabulary): void {
	const forms = vocabulary.forms;
	for (let i = 0; i < forms.length && i < 0xfe; i++) {
		const form = forms[i];
		const compact = form.compact(payload);
		if (compact && compact.length <= 0xff && same(form.expand(compact), payload)) {
			w.byte(i + 1);
			w.byte(compact.length);
			w.bytes(compact);
			return;
		}
	}
	w.byte(Kind.RAW_PAYLOAD);
	w.block(payload);
}

export function readPayload(r: RecordReader, vocabulary: Vocabulary): Uint8Array {
	const kind = r.byte();
	if (kind === Kind.RAW_PAYLOAD) return r.block();
	const form = vocabulary.forms[kind - 1];
	if (!form) throw r.malformed(`payload form ${kind}`);
	return form.expand(r.bytes(r.byte()));
}

function same(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}
