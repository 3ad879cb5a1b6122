/**
 * Requests without response (RFC 7967): the No-Response option asks the server to send no
 * response of the classes it names (bits 2: 2.xx, 8: 4.xx, 16: 5.xx). The client sends them
 * with 26, none at all, for readings it does not wait on (client.ts `requestNoResponse`),
 * each one datagram made from the same first bytes.
 */
import * as m from "./message";
import type { CoapOption } from "./message";

/**
 * A NON request's first bytes, up to the payload marker, with `base` and No-Response 26 last (its 258 is above every
 * other option), and an empty token, as no response is matched to it; code and message id are written per datagram.
 */
export function quietHead(base: readonly CoapOption[]): Uint8Array {
	const options = m.encodeOptions(base.concat(m.uintOption(m.Option.NO_RESPONSE, 26)));
	const head = new Uint8Array(5 + options.length);
	head[0] = 0x40 | (m.Type.NON << 4);
	head.set(options, 4);
	head[head.length - 1] = 0xff;
	return head;
}

/** One datagram: `head` (quietHead's) with its code, message id and payload; without one, without the marker (3.). */
export function quietDatagram(head: Uint8Array, code: number, messageId: number, payload: Uint8Array): Uint8Array {
	const length = payload.length;
	let bytes: Uint8Array;
	if (length > 0) {
		bytes = new Uint8Array(head.length + length);
		bytes.set(head);
		bytes.set(payload, head.length);
	} else bytes = head.slice(0, -1);
	bytes[1] = code;
	bytes[2] = messageId >> 8;
	bytes[3] = messageId;
	return bytes;
}
