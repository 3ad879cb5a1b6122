/**
 * The fields both MQTT versions' client packets share, read as a broker must check them
 * (3.1.2 CONNECT flags, 4.7 topic names and filters, 3.10 UNSUBSCRIBE's list): one reader for
 * the 3.1.1 and the 5.0 test decoders.
 */
import type { ByteReader } from "../../src/common/bytes";
import { ProtocolError } from "../../src/common/errors";
import { readUtf8 } from "../../src/common/utf8";
import type { QoS } from "../../src/mqtt/packet";
import { topicProblem } from "../../src/mqtt/topic";

export interface ConnectFlags {
	cleanSession: boolean;
	willFlag: boolean;
	willQos: QoS;
	willRetain: boolean;
	hasUsername: boolean;
	hasPassword: boolean;
}

/**
 * CONNECT's flags byte. Reserved bit, will QoS 3 or will fields without a will are malformed in
 * both versions; a password without a user name only in 3.1.1 (5.0 allows it, 3.1.2.9).
 */
export function connectFlags(flags: number, version: 4 | 5): ConnectFlags {
	const willFlag = (flags & 0x04) !== 0;
	const willQos = (flags >> 3) & 3;
	const willRetain = (flags & 0x20) !== 0;
	const hasPassword = (flags & 0x40) !== 0;
	const hasUsername = (flags & 0x80) !== 0;
	if (flags & 1 || willQos === 3 || (!willFlag && (willQos !== 0 || willRetain)) || (version === 4 && hasPassword && !hasUsername)) throw malformed("CONNECT flags");
	return { cleanSession: (flags & 0x02) !== 0, willFlag, willQos: willQos as QoS, willRetain, hasUsername, hasPassword };
}

/** A length-prefixed topic name (`filter` false) or filter, checked as the firmware checks its own. */
export function topic(r: ByteReader, filter: boolean): string {
	const bytes = r.bytes(r.u16());
	const problem = topicProblem(bytes, 0, bytes.length, filter);
	if (problem) throw malformed(`topic ${problem}`);
	return readUtf8(bytes, 0, bytes.length);
}

/** UNSUBSCRIBE's payload: at least one filter, up to the packet's end (3.10.3-2). */
export function topicFilters(r: ByteReader): string[] {
	const topics: string[] = [];
	do topics.push(topic(r, true));
	while (r.remaining > 0);
	return topics;
}

export function malformed(message: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", message);
}
