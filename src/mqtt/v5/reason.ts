/**
 * MQTT 5.0 reason codes (2.4, table 2-6): which codes each packet may carry, and their
 * names for error messages. A code outside its packet's list is a Malformed Packet.
 */

/** Reason codes, 2.4: the code and its name. Codes of 0x80 and above are failures. */
const NAMES: readonly (readonly [number, string])[] = [
	[0x00, "success"],
	[0x01, "granted QoS 1"],
	[0x02, "granted QoS 2"],
	[0x04, "disconnect with will message"],
	[0x10, "no matching subscribers"],
	[0x11, "no subscription existed"],
	[0x18, "continue authentication"],
	[0x19, "re-authenticate"],
	[0x80, "unspecified error"],
	[0x81, "malformed packet"],
	[0x82, "protocol error"],
	[0x83, "implementation specific error"],
	[0x84, "unsupported protocol version"],
	[0x85, "client identifier not valid"],
	[0x86, "bad user name or password"],
	[0x87, "not authorized"],
	[0x88, "server unavailable"],
	[0x89, "server busy"],
	[0x8a, "banned"],
	[0x8b, "server shutting down"],
	[0x8c, "bad authentication method"],
	[0x8d, "keep alive timeout"],
	[0x8e, "session taken over"],
	[0x8f, "topic filter invalid"],
	[0x90, "topic name invalid"],
	[0x91, "packet identifier in use"],
	[0x92, "packet identifier not found"],
	[0x93, "receive maximum exceeded"],
	[0x94, "topic alias invalid"],
	[0x95, "packet too large"],
	[0x96, "message rate too high"],
	[0x97, "quota exceeded"],
	[0x98, "administrative action"],
	[0x99, "payload format invalid"],
	[0x9a, "retain not supported"],
	[0x9b, "QoS not supported"],
	[0x9c, "use another server"],
	[0x9d, "server moved"],
	[0x9e, "shared subscriptions not supported"],
	[0x9f, "connection rate exceeded"],
	[0xa0, "maximum connect time"],
	[0xa1, "subscription identifiers not supported"],
	[0xa2, "wildcard subscriptions not supported"],
];

/** Codes each packet type may carry (3.2.2.2, 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1, 3.9.3, 3.11.3, 3.14.2.1, 3.15.2.1), by packet type. */
const ALLOWED: { readonly [type: number]: readonly number[] } = {
	2: [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f],
	4: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
	5: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
	6: [0x00, 0x92],
	7: [0x00, 0x92],
	9: [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2],
	11: [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91],
	// 0x8c: table 2-6 allows bad authentication method in DISCONNECT (3.14.2.1's table leaves it out).
	14: [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2],
	15: [0x00, 0x18, 0x19],
};

export function reasonAllowed(type: number, code: number): boolean {
	const codes = ALLOWED[type];
	return codes !== undefined && codes.indexOf(code) >= 0;
}

/** "0x87 not authorized": the code in hex and its name, for an error's detail. */
export function reasonText(code: number, reasonString?: string): string {
	let name = "reason code";
	for (const [c, n] of NAMES) if (c === code) name = n;
	const hex = code < 16 ? `0x0${code.toString(16)}` : `0x${code.toString(16)}`;
	return reasonString === undefined ? `${hex} ${name}` : `${hex} ${name}: ${reasonString}`;
}
