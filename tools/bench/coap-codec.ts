/**
 * CoAP codec row: our encode + decode against coap-packet's generate + parse (the codec
 * node-coap uses) on a CON POST with a 4-byte token, three Uri-Path segments,
 * Content-Format and a 64-byte payload. Both allocate the bytes of each
 * message, as the firmware's sender does (encode).
 */
import coapPacket from "coap-packet";
import { decode } from "../../src/coap/message";
import { encode } from "../../src/coap/message";
import { Type, Format, Code, type CoapMessage } from "../../src/coap/message";
import { Option, stringOption, uintOption } from "../../testkit/portable/coap-options";
import { toOracle } from "../../host-tests/unit/coap-packet-oracle";
import { interleaved, opsPerSecond, row, type BenchOptions, type Row } from "./measure";

export const POST_MESSAGE: CoapMessage = {
	type: Type.CON,
	code: Code.POST,
	messageId: 0x1234,
	token: Uint8Array.of(0xde, 0xad, 0xbe, 0xef),
	options: [stringOption(Option.URI_PATH, "sensors"), stringOption(Option.URI_PATH, "office"), stringOption(Option.URI_PATH, "dht22"), uintOption(Option.CONTENT_FORMAT, Format.JSON_FORMAT)],
	payload: new Uint8Array(64).map((_, i) => 32 + (i % 90)),
};

export async function coapCodecRows(options: BenchOptions): Promise<Row[]> {
	const oracle = toOracle(POST_MESSAGE);
	let checksum = 0;
	const ours = () => {
		checksum += decode(encode(POST_MESSAGE)).payload.length;
	};
	const theirs = () => {
		checksum += coapPacket.parse(coapPacket.generate(oracle)).payload.length;
	};
	ours();
	theirs();
	if (checksum !== 128) throw new Error("the CoAP codecs disagree on the benchmark message");
	const result = await interleaved(options.runs, () => opsPerSecond(ours, options.ms), () => opsPerSecond(theirs, options.ms));
	return [row("coap.post.codec", "encode+decode ops/s", true, result.ours, result.baseline, ">= 5")];
}
