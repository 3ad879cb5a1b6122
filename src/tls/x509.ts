/**
 * The parts of an X.509 certificate (RFC 5280) that chain verification needs, read
 * straight from the DER: names and keys stay views into the certificate's bytes, so a
 * chain is parsed without copying it.
 */
import type { SignatureAlgorithm } from "../common/board";
import { ProtocolError } from "../common/errors";

export interface Certificate {
	/** The signed part, header included: what the issuer's signature covers. */
	readonly tbs: Uint8Array;
	/**
	 * Undefined for an algorithm this verifier does not check (SHA-1, say): fine for a trust
	 * anchor, whose own signature is never checked (most of the SDK's CA bundle is SHA-1).
	 */
	readonly signatureAlgorithm: SignatureAlgorithm | undefined;
	readonly signature: Uint8Array;
	/** Names as DER, compared byte for byte (issuer of one = subject of the next). */
	readonly issuer: Uint8Array;
	readonly subject: Uint8Array;
	/** Milliseconds since the epoch. */
	readonly notBefore: number;
	readonly notAfter: number;
	/** SubjectPublicKeyInfo, header included: what a signature primitive takes. */
	readonly publicKeyInfo: Uint8Array;
	/** subjectAltName dNSName entries, as written (IA5). */
	readonly dnsNames: readonly string[];
	/** subjectAltName iPAddress entries (4 bytes for IPv4, 16 for IPv6). */
	readonly ipAddresses: readonly Uint8Array[];
	/** basicConstraints cA. */
	readonly ca: boolean;
	/** basicConstraints pathLenConstraint, when present. */
	readonly pathLength?: number;
	/** keyUsage allows keyCertSign (true when the extension is absent). */
	readonly keyCertSign: boolean;
	/** extendedKeyUsage allows serverAuth (true when the extension is absent). */
	readonly serverAuth: boolean;
}

/** The OID arcs (contents octets) of PKCS #1 (1.2.840.113549.1.1) and ecdsa-with (1.2.840.10045.4.3): a signature algorithm is one more octet. */
const PKCS1 = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01);
const ECDSA_WITH = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03);

const SERVER_AUTH = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01);
const ANY_EXTENDED_KEY_USAGE = Uint8Array.of(0x55, 0x1d, 0x25, 0x00);

/** Extensions are id-ce (2.5.29, contents 55 1d) plus one octet; a `const enum`, written as its number. */
const enum Extension {
	SUBJECT_KEY_ID = 14,
	KEY_USAGE = 15,
	SUBJECT_ALT_NAME = 17,
	BASIC_CONSTRAINTS = 19,
	AUTHORITY_KEY_ID = 35,
	EXTENDED_KEY_USAGE = 37,
}

/** The certificate as it is filled in. */
type Fields = { -readonly [K in keyof Certificate]: Certificate[K] } & { dnsNames: string[]; ipAddresses: Uint8Array[] };

/** The two decimal digits at `at`, as a number. */
function two(bytes: Uint8Array, at: number): number {
	const tens = bytes[at] - 0x30;
	const units = bytes[at + 1] - 0x30;
	// `>>> 0` makes a negative difference (a byte below "0") a large number: one test per digit.
	if (tens >>> 0 > 9 || units >>> 0 > 9) throw rejected("malformed validity time");
	return tens * 10 + units;
}

function time(der: DerReader): number {
	const tag = der.next();
	const bytes = der.bytes;
	const start = der.start;
	const long = tag === Tag.GENERALIZED_TIME;
	// RFC 5280 4.1.2.5: seconds always present, always Zulu, no fractions.
	if ((tag !== Tag.UTC_TIME && !long) || der.end - start !== (long ? 15 : 13) || bytes[der.end - 1] !== 0x5a) throw rejected("malformed validity time");
	const at = start + (long ? 4 : 2);
	const year = two(bytes, start);
	return Date.UTC(
		long ? year * 100 + two(bytes, start + 2) : year + (year < 50 ? 2000 : 1900), // RFC 5280 4.1.2.5.1
		two(bytes, at) - 1,
		two(bytes, at + 2),
		two(bytes, at + 4),
		two(bytes, at + 6),
		two(bytes, at + 8),
	);
}

export function parseCertificate(der: Uint8Array): Certificate {
	const top = new DerReader(der).expect(Tag.SEQUENCE);
	if (!top.done) throw rejected("malformed certificate: trailing bytes");
	const parts = top.enter();
	const tbs = parts.expect(Tag.SEQUENCE).raw();
	const fields = parts.enter();
	const algorithm = parts.expect(Tag.SEQUENCE).raw();
	const oid = parts.enter().expect(Tag.OID).value();
	const signature = parts.bitString();
	const arc = oid.subarray(0, oid.length - 1);
	const last = oid[oid.length - 1];

	fields.optional(0xa0); // version [0] EXPLICIT: the extensions below decide what matters
	fields.expect(Tag.INTEGER); // serialNumber
	// RFC 5280 4.1.1.2: the outer algorithm must be the one inside the signed part.
	if (!sameBytes(fields.expect(Tag.SEQUENCE).raw(), algorithm)) throw rejected("signature algorithm differs from the signed one");
	const issuer = fields.expect(Tag.SEQUENCE).raw();
	const validity = fields.expect(Tag.SEQUENCE).enter();
	// Read in the order the fields come: an object literal's values are evaluated in order.
	const found: Fields = {
		tbs,
		// The algorithms this verifier accepts, by the name boards know them by; undefined for any other.
		signatureAlgorithm: sameBytes(arc, PKCS1)
			? last === 11 ? "sha256WithRSAEncryption" : last === 12 ? "sha384WithRSAEncryption" : void 0
			: sameBytes(arc, ECDSA_WITH)
				? last === 2 ? "ecdsa-with-SHA256" : last === 3 ? "ecdsa-with-SHA384" : void 0
				: void 0,
		signature,
		issuer,
		notBefore: time(validity),
		notAfter: time(validity),
		subject: fields.expect(Tag.SEQUENCE).raw(),
		publicKeyInfo: fields.expect(Tag.SEQUENCE).raw(),
		dnsNames: [],
		ipAddresses: [],
		ca: false,
		keyCertSign: true,
		serverAuth: true,
	};
	fields.optional(0x81); // issuerUniqueID
	fields.optional(0x82); // subjectUniqueID
	if (fields.optional(0xa3)) {
		const list = fields.enter().expect(Tag.SEQUENCE).enter();
		let seen = 0;
		while (!list.done) {
			const extension = list.expect(Tag.SEQUENCE).enter().expect(Tag.OID);
			const bytes = extension.bytes;
			const start = extension.start;
			const id = extension.end - start === 3 && bytes[start] === 0x55 && bytes[start + 1] === 0x1d ? bytes[start + 2] : -1;
			if (id >= 0 && id < 32) {
				if (seen & (1 << id)) throw rejected("duplicate extension"); // RFC 5280 4.2
				seen |= 1 << id;
			}
			const critical = extension.flag();
			const value = extension.expect(Tag.OCTET_STRING).enter();
			if (id === Extension.SUBJECT_ALT_NAME) {
				const names = value.expect(Tag.SEQUENCE).enter();
				while (!names.done) {
					const tag = names.next();
					if (tag === 0x82) found.dnsNames.push(String.fromCharCode(...names.value())); // dNSName [2] IA5String
					else if (tag === 0x87) found.ipAddresses.push(names.value()); // iPAddress [7]
				}
			} else if (id === Extension.BASIC_CONSTRAINTS) {
				const constraints = value.expect(Tag.SEQUENCE).enter();
				found.ca = constraints.flag();
				if (constraints.optional(Tag.INTEGER)) {
					const n = constraints.value();
					if (n.length === 0 || n.length > 2 || n[0] & 0x80) throw rejected("malformed basicConstraints");
					found.pathLength = n.length === 2 ? n[0] * 256 + n[1] : n[0];
				}
			} else if (id === Extension.KEY_USAGE) {
				const bits = value.expect(Tag.BIT_STRING).value();
				found.keyCertSign = (bits[1] & 0x04) !== 0; // bit 5, keyCertSign (a missing octet reads undefined: not set)
			} else if (id === Extension.EXTENDED_KEY_USAGE) {
				const purposes = value.expect(Tag.SEQUENCE).enter();
				found.serverAuth = false;
				while (!purposes.done) {
					purposes.expect(Tag.OID);
					if (purposes.contentsAre(SERVER_AUTH) || purposes.contentsAre(ANY_EXTENDED_KEY_USAGE)) found.serverAuth = true;
				}
			} else if (critical && id !== Extension.SUBJECT_KEY_ID && id !== Extension.AUTHORITY_KEY_ID) {
				// RFC 5280 4.2: a critical extension the verifier does not understand rejects the certificate.
				throw rejected("unsupported critical extension");
			}
		}
	}
	return found;
}

/**
 * A minimal DER reader: just enough ASN.1 to walk an X.509 certificate. It is a cursor
 * over the caller's bytes: reading an element allocates nothing, and the contents are
 * handed out as views (subarray) only when asked for, never copied. Anything that is not
 * DER as X.509 uses it (indefinite lengths, high tag numbers, lengths past the end of the
 * enclosing element) is refused; a refusal names the byte it stopped at.
 */
/** The universal tags X.509 uses; a `const enum`, so each use is written as its number. */
export const enum Tag {
	BOOLEAN = 0x01,
	INTEGER = 0x02,
	BIT_STRING = 0x03,
	OCTET_STRING = 0x04,
	OID = 0x06,
	UTC_TIME = 0x17,
	GENERALIZED_TIME = 0x18,
	SEQUENCE = 0x30,
}

export function rejected(why: string): ProtocolError {
	return new ProtocolError("TLS_CERTIFICATE_REJECTED", why);
}

export class DerReader {
	// Fields `declare`d and set in the constructor, not class or #private fields: less bytecode in XS.
	declare readonly bytes: Uint8Array;
	/** Where the next element starts, and where the enclosing one ends. */
	declare at: number;
	declare readonly limit: number;
	/** The element last read: where its header starts, where its contents start and end. */
	declare header: number;
	declare start: number;
	declare end: number;

	constructor(bytes: Uint8Array, from = 0, to = bytes.length) {
		this.bytes = bytes;
		this.at = from;
		this.limit = to;
	}

	get done(): boolean {
		return this.at >= this.limit;
	}

	/** Reads the next element; returns its tag. */
	next(): number {
		const bytes = this.bytes;
		const limit = this.limit;
		let at = this.at;
		const tag = bytes[at];
		let length = bytes[at + 1];
		this.header = at;
		at += 2;
		let count = 0;
		if (length & 0x80) {
			// 0x80 is BER's indefinite length; more than 3 octets would be over 16 MB.
			count = length & 0x7f;
			length = count === 0 || count > 3 ? limit : 0;
			for (let i = 0; i < count; i++) length = length * 256 + bytes[at++];
		}
		// A high tag number (0x1f) is not X.509's; a truncated header reads undefined, so NaN fails the length check.
		if ((tag & 0x1f) === 0x1f || !(at + length <= limit)) throw rejected(`malformed DER at byte ${this.header}`);
		this.start = at;
		this.end = this.at = at + length;
		return tag;
	}

	/** Reads the next element, which must have `tag`. */
	expect(tag: number): this {
		const found = this.next();
		if (found !== tag) throw rejected(`malformed DER at byte ${this.header}: tag ${found}, not ${tag}`);
		return this;
	}

	/** Reads the next element if it has `tag`. */
	optional(tag: number): boolean {
		if (this.done || this.bytes[this.at] !== tag) return false;
		this.next();
		return true;
	}

	/** The last element's contents (a view). */
	value(): Uint8Array {
		return this.bytes.subarray(this.start, this.end);
	}

	/** The last element whole, header included (a view): what signatures and name comparisons cover. */
	raw(): Uint8Array {
		return this.bytes.subarray(this.header, this.end);
	}

	/** A reader over the last element's contents (a constructed value's elements). */
	enter(): DerReader {
		return new DerReader(this.bytes, this.start, this.end);
	}

	/** True if the last element's contents are exactly `expected` (an OID, say). */
	contentsAre(expected: Uint8Array): boolean {
		return sameBytes(this.value(), expected);
	}

	/** An optional BOOLEAN (DEFAULT FALSE): false when absent; DER's one octet, else refused. */
	flag(): boolean {
		if (!this.optional(Tag.BOOLEAN)) return false;
		if (this.end - this.start !== 1) throw rejected(`malformed BOOLEAN at byte ${this.header}`);
		return this.bytes[this.start] === 0xff;
	}

	/** A BIT STRING's bits, for the whole-octet ones X.509 uses (signatures, keys). */
	bitString(): Uint8Array {
		// Its first octet, the unused bits, must be 0 (an empty one reads undefined).
		if (this.expect(Tag.BIT_STRING).bytes[this.start] !== 0 || this.start === this.end) throw rejected(`malformed BIT STRING at byte ${this.header}`);
		return this.bytes.subarray(this.start + 1, this.end);
	}
}

export function sameBytes(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}
