/**
 * The CoAP codec and option helpers as the hosts' tests and tools use them: everything
 * src/coap/message.ts exports, and what only they need, kept out of the device's flash:
 * a string option made from text, a CoAP ping (RFC 7252 4.3), which the device answers
 * but never sends, and MAX_TRANSMIT_WAIT, which the tests time a CON's failure by.
 */
import { ProtocolError } from "../../src/common/errors";
import { encodeUtf8 } from "../../src/common/utf8";
import type { Endpoint, Peer } from "../../src/coap/endpoint";
import { Code, EMPTY_BYTES, Type, encode, type CoapOption } from "../../src/coap/message";
import type { TransmissionParameters } from "../../src/coap/types";

export * from "../../src/coap/message";

export function stringOption(number: number, text: string): CoapOption {
	return { number, value: encodeUtf8(text) };
}

/** Sends an empty CON (4.3, "CoAP ping") from `endpoint`: the handler gets the peer's RST (or an ACK) as success. */
export function ping(endpoint: Endpoint, peer: Peer, now: number, handler: (error: ProtocolError | undefined) => void): void {
	const answered = () => handler(undefined);
	const message = { type: Type.CON, code: Code.EMPTY, messageId: endpoint.nextMessageId(), token: EMPTY_BYTES, options: [], payload: EMPTY_BYTES };
	endpoint.sendEncoded(peer, message.messageId, encode(message), now, { onAck: answered, onReset: answered, onTimeout: () => handler(new ProtocolError("EXCHANGE_TIMEOUT", "no answer to a CoAP ping")) });
}

/** From the first transmission of a CON until the sender gives up waiting for an ACK (RFC 7252 4.8.2 MAX_TRANSMIT_WAIT, 93 s). */
export function maxTransmitWait(p: TransmissionParameters): number {
	return p.ackTimeout * (2 ** (p.maxRetransmit + 1) - 1) * p.ackRandomFactor;
}
