/**
 * The DTLS record layer: headers both ways with 48-bit sequence numbers, bounded decoding
 * with typed errors, CCM_8 protection whose additional data binds epoch, sequence number
 * and type, and the 64-record replay window (RFC 6347 4.1.2.6).
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { hex, text, toHex } from "./bytes";
import { softCrypto } from "../../testkit/portable/soft-crypto";
import * as r from "../../src/dtls/record";
import { ReplayWindow } from "../../src/dtls/record";
import * as hm from "../../src/dtls/handshake-messages";
import { Limit, Reassembly } from "../../src/dtls/reassembly";

const key = hex("000102030405060708090a0b0c0d0e0f");
const iv = hex("a0a1a2a3");

describe("dtls records", () => {
	it("encodes and decodes a header with a 48-bit sequence number, several records per datagram", () => {
		const one = r.encodeRecord({ type: r.ContentType.HANDSHAKE, version: r.Version.DTLS_1_2, epoch: 1, sequence: 0x123456789abc }, text("ab"));
		check(toHex(one.subarray(0, r.RecordSize.HEADER))).toBe(toHex(hex("16 fe fd 00 01 12 34 56 78 9a bc 00 02")));
		const two = r.encodeRecord({ type: r.ContentType.ALERT, version: r.Version.DTLS_1_2, epoch: 0, sequence: 7 }, hex("02 28"));
		const both = new Uint8Array(one.length + two.length);
		both.set(one);
		both.set(two, one.length);
		const records = r.decodeRecords(both);
		check(records.map((x) => [x.type, x.epoch, x.sequence, x.fragment.length])).toEqual([
			[r.ContentType.HANDSHAKE, 1, 0x123456789abc, 2],
			[r.ContentType.ALERT, 0, 7, 2],
		]);
	});

	it("refuses a short header, a length past the datagram, an unknown type or version", () => {
		const good = r.encodeRecord({ type: r.ContentType.HANDSHAKE, version: r.Version.DTLS_1_2, epoch: 0, sequence: 0 }, text("abc"));
		expectProtocolError(() => r.decodeRecords(good.subarray(0, 10)), "MALFORMED_PACKET");
		expectProtocolError(() => r.decodeRecords(good.subarray(0, good.length - 1)), "MALFORMED_PACKET");
		const type = good.slice();
		type[0] = 24;
		expectProtocolError(() => r.decodeRecords(type), "MALFORMED_PACKET");
		const version = good.slice();
		version[2] = 0x03;
		expectProtocolError(() => r.decodeRecords(version), "MALFORMED_PACKET");
	});

	it("seals with the explicit nonce in front and opens only with the same header", () => {
		const writer = new r.RecordProtection(softCrypto, key, iv);
		const reader = new r.RecordProtection(softCrypto, key, iv);
		const header = { type: r.ContentType.APPLICATION_DATA, version: r.Version.DTLS_1_2, epoch: 1, sequence: 5 };
		const fragment = writer.seal(header, text("hello"));
		check(fragment.length).toBe(5 + r.RecordSize.OVERHEAD);
		check(toHex(fragment.subarray(0, 8))).toBe(toHex(hex("00 01 00 00 00 00 00 05")));
		check(toHex(reader.open({ ...header, fragment }) ?? new Uint8Array(0))).toBe(toHex(text("hello")));
		// The additional data carries the header: another type or sequence number does not open.
		check(reader.open({ ...header, type: r.ContentType.HANDSHAKE, fragment })).toBeUndefined();
		check(reader.open({ ...header, sequence: 6, fragment })).toBeUndefined();
		check(new r.RecordProtection(softCrypto, hex("ff0102030405060708090a0b0c0d0e0f"), iv).open({ ...header, fragment })).toBeUndefined();
		check(reader.open({ ...header, fragment: fragment.subarray(0, 15) })).toBeUndefined();
	});

	it("the replay window accepts each number once, out of order within 64, nothing older", () => {
		const window = new ReplayWindow();
		const take = (n: number) => {
			const fresh = window.fresh(n);
			if (fresh) window.accept(n);
			return fresh;
		};
		check([take(0), take(0), take(5), take(3), take(3), take(70), take(6), take(7), take(6)]).toEqual([true, false, true, true, false, true, false, true, false]);
		check(take(0x100000005)).toBe(true);
		check([take(0x100000005 - 64), take(0x100000005 - 63), take(0x100000004)]).toEqual([false, true, true]);
	});

	it("handshake fragments: a fragment past its message's length is malformed", () => {
		const whole = hm.encodeMessage(hm.HandshakeType.FINISHED, 3, new Uint8Array(12));
		check(hm.decodeFragments(whole).map((f) => [f.type, f.messageSeq, f.offset, f.length, f.body.length])).toEqual([[hm.HandshakeType.FINISHED, 3, 0, 12, 12]]);
		const bad = whole.slice();
		bad[8] = 1; // fragment_offset 1: its 12 bytes end past the message
		expectProtocolError(() => hm.decodeFragments(bad), "MALFORMED_PACKET");
		expectProtocolError(() => hm.decodeFragments(whole.subarray(0, 20)), "MALFORMED_PACKET");
	});

	it("reassembles a message from fragments in any order, in message_seq order, within its caps", () => {
		const body = new Uint8Array(40).map((_, i) => i);
		const fragment = (seq: number, offset: number, length: number) => ({ type: hm.HandshakeType.CLIENT_KEY_EXCHANGE, length: body.length, messageSeq: seq, offset, body: body.subarray(offset, offset + length) });
		const reassembly = new Reassembly();
		reassembly.add({ type: hm.HandshakeType.FINISHED, length: 1, messageSeq: 1, offset: 0, body: new Uint8Array(1) });
		check(reassembly.add(fragment(0, 20, 20))).toBe(false);
		check(reassembly.poll()).toBeUndefined();
		reassembly.add(fragment(0, 0, 25)); // overlapping
		const whole = reassembly.poll();
		check([whole?.type, whole?.messageSeq, toHex(whole?.body ?? new Uint8Array(0))]).toEqual([hm.HandshakeType.CLIENT_KEY_EXCHANGE, 0, toHex(body)]);
		check(toHex(whole?.whole ?? new Uint8Array(0))).toBe(toHex(hm.encodeMessage(hm.HandshakeType.CLIENT_KEY_EXCHANGE, 0, body)));
		check(reassembly.poll()?.type).toBe(hm.HandshakeType.FINISHED);
		// Old: the peer's retransmission. Far ahead: dropped (it comes again). Oversized: malformed.
		check(reassembly.add(fragment(0, 0, 40))).toBe(true);
		reassembly.add({ ...fragment(2 + Limit.MAX_AHEAD, 0, 40) });
		check(reassembly.poll()).toBeUndefined();
		expectProtocolError(() => reassembly.add({ type: hm.HandshakeType.CLIENT_HELLO, length: Limit.MAX_MESSAGE + 1, messageSeq: 2, offset: 0, body: new Uint8Array(0) }), "MALFORMED_PACKET");
		expectProtocolError(() => reassembly.add({ type: hm.HandshakeType.CLIENT_HELLO, length: 3, messageSeq: 2, offset: 0, body: new Uint8Array(1) }) || reassembly.add({ type: hm.HandshakeType.FINISHED, length: 3, messageSeq: 2, offset: 1, body: new Uint8Array(1) }), "MALFORMED_PACKET");
	});
});
