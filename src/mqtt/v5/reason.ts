/**
 * MQTT 5.0 reason codes (2.4, table 2-6): which codes each packet may carry, and their
 * names for error messages. A code outside its packet's list is a Malformed Packet. The
 * tables are strings, one character per code: an array literal costs XS several times
 * the flash.
 */

/** Reason codes, 2.4, one character each, and their names in the same order. Codes of 0x80 and above are failures. */
const CODES = "\x00\x01\x02\x04\x10\x11\x18\x19\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f\xa0\xa1\xa2";
const NAMES = "success|granted QoS 1|granted QoS 2|disconnect with will message|no matching subscribers|no subscription existed|continue authentication|re-authenticate|unspecified error|malformed packet|protocol error|implementation specific error|unsupported protocol version|client identifier not valid|bad user name or password|not authorized|server unavailable|server busy|banned|server shutting down|bad authentication method|keep alive timeout|session taken over|topic filter invalid|topic name invalid|packet identifier in use|packet identifier not found|receive maximum exceeded|topic alias invalid|packet too large|message rate too high|quota exceeded|administrative action|payload format invalid|retain not supported|QoS not supported|use another server|server moved|shared subscriptions not supported|connection rate exceeded|maximum connect time|subscription identifiers not supported|wildcard subscriptions not supported";

/**
 * Codes each packet type may carry (3.2.2.2, 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1, 3.9.3,
 * 3.11.3, 3.14.2.1, 3.15.2.1), by packet type. DISCONNECT's includes 0x8c bad
 * authentication method, which table 2-6 allows there (3.14.2.1's table leaves it out).
 */
const ALLOWED: { readonly [type: number]: string } = {
	2: "\x00\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8c\x90\x95\x97\x99\x9a\x9b\x9c\x9d\x9f",
	4: "\x00\x10\x80\x83\x87\x90\x91\x97\x99",
	5: "\x00\x10\x80\x83\x87\x90\x91\x97\x99",
	6: "\x00\x92",
	7: "\x00\x92",
	9: "\x00\x01\x02\x80\x83\x87\x8f\x91\x97\x9e\xa1\xa2",
	11: "\x00\x11\x80\x83\x87\x8f\x91",
	14: "\x00\x04\x80\x81\x82\x83\x87\x89\x8b\x8c\x8d\x8e\x8f\x90\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f\xa0\xa1\xa2",
	15: "\x00\x18\x19",
};

export function reasonAllowed(type: number, code: number): boolean {
	const codes = ALLOWED[type];
	return codes !== undefined && codes.indexOf(String.fromCharCode(code)) >= 0;
}

/** "0x87 not authorized": the code in hex and its name, for an error's detail. */
export function reasonText(code: number, reasonString?: string): string {
	const index = CODES.indexOf(String.fromCharCode(code));
	let name = "reason code";
	if (index >= 0) {
		// The index-th name of NAMES.
		let start = 0;
		for (let i = 0; i < index; i++) start = NAMES.indexOf("|", start) + 1;
		const end = NAMES.indexOf("|", start);
		name = NAMES.slice(start, end < 0 ? NAMES.length : end);
	}
	const hex = code < 16 ? `0x0${code.toString(16)}` : `0x${code.toString(16)}`;
	return reasonString === undefined ? `${hex} ${name}` : `${hex} ${name}: ${reasonString}`;
}
