/**
 * The parts of an X.509 certificate (RFC 5280) that chain verification needs, read
 * straight from the DER: names and keys stay views into the certificate's bytes, so a
 * chain is parsed without copying it.
 */
import type { SignatureAlgorithm } from "../common/board";
import * as asn1 from "./der";

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

/** Signature algorithm OIDs (contents octets) this verifier accepts, with the name boards know them by. */
const SIGNATURE_ALGORITHMS: readonly (readonly [Uint8Array, SignatureAlgorithm])[] = [
	[Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b), "sha256WithRSAEncryption"],
	[Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c), "sha384WithRSAEncryption"],
	[Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02), "ecdsa-with-SHA256"],
	[Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03), "ecdsa-with-SHA384"],
];
const SERVER_AUTH = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01);
const ANY_EXTENDED_KEY_USAGE = Uint8Array.of(0x55, 0x1d, 0x25, 0x00);

// Extensions are id-ce (2.5.29, contents 55 1d) plus one octet.
const SUBJECT_KEY_ID = 14;
const KEY_USAGE = 15;
const SUBJECT_ALT_NAME = 17;
const BASIC_CONSTRAINTS = 19;
const AUTHORITY_KEY_ID = 35;
const EXTENDED_KEY_USAGE = 37;

function digits(bytes: Uint8Array, at: number, count: number): number {
	let n = 0;
	for (let i = at; i < at + count; i++) {
		const d = bytes[i] - 0x30;
		if (d < 0 || d > 9) throw asn1.rejected("malformed validity time");
		n = n * 10 + d;
	}
	return n;
}

function time(der: asn1.DerReader): number {
	const tag = der.next();
	const bytes = der.bytes;
	const start = der.start;
	const end = der.end;
	const long = tag === asn1.GENERALIZED_TIME;
	// RFC 5280 4.1.2.5: seconds always present, always Zulu, no fractions.
	if ((tag !== asn1.UTC_TIME && !long) || end - start !== (long ? 15 : 13) || bytes[end - 1] !== 0x5a) throw asn1.rejected("malformed validity time");
	let year = digits(bytes, start, long ? 4 : 2);
	if (!long) year += year < 50 ? 2000 : 1900; // RFC 5280 4.1.2.5.1
	const at = start + (long ? 4 : 2);
	return Date.UTC(year, digits(bytes, at, 2) - 1, digits(bytes, at + 2, 2), digits(bytes, at + 4, 2), digits(bytes, at + 6, 2), digits(bytes, at + 8, 2));
}

interface Extensions {
	dnsNames: string[];
	ipAddresses: Uint8Array[];
	ca: boolean;
	pathLength?: number;
	keyCertSign: boolean;
	serverAuth: boolean;
}

function readExtensions(list: asn1.DerReader, found: Extensions): void {
	let seen = 0;
	while (!list.done) {
		const extension = list.expect(asn1.SEQUENCE, "extension").enter();
		extension.expect(asn1.OID, "extension");
		const bytes = extension.bytes;
		const start = extension.start;
		const end = extension.end;
		const id = end - start === 3 && bytes[start] === 0x55 && bytes[start + 1] === 0x1d ? bytes[start + 2] : -1;
		if (id >= 0 && id < 32) {
			if (seen & (1 << id)) throw asn1.rejected("duplicate extension"); // RFC 5280 4.2
			seen |= 1 << id;
		}
		const critical = extension.optional(asn1.BOOLEAN) && extension.bytes[extension.start] === 0xff;
		const value = extension.expect(asn1.OCTET_STRING, "extension").enter();
		if (id === SUBJECT_ALT_NAME) {
			const names = value.expect(asn1.SEQUENCE, "subjectAltName").enter();
			while (!names.done) {
				const tag = names.next();
				if (tag === 0x82) found.dnsNames.push(String.fromCharCode(...names.value())); // dNSName [2] IA5String
				else if (tag === 0x87) found.ipAddresses.push(names.value()); // iPAddress [7]
			}
		} else if (id === BASIC_CONSTRAINTS) {
			const fields = value.expect(asn1.SEQUENCE, "basicConstraints").enter();
			found.ca = fields.optional(asn1.BOOLEAN) && fields.bytes[fields.start] === 0xff;
			if (fields.optional(asn1.INTEGER)) {
				if (fields.end - fields.start > 2 || fields.bytes[fields.start] & 0x80) throw asn1.rejected("malformed basicConstraints");
				found.pathLength = digitsOf(fields.value());
			}
		} else if (id === KEY_USAGE) {
			value.expect(asn1.BIT_STRING, "keyUsage");
			found.keyCertSign = value.end - value.start > 1 && (value.bytes[value.start + 1] & 0x04) !== 0; // bit 5, keyCertSign
		} else if (id === EXTENDED_KEY_USAGE) {
			const purposes = value.expect(asn1.SEQUENCE, "extendedKeyUsage").enter();
			found.serverAuth = false;
			while (!purposes.done) {
				purposes.expect(asn1.OID, "extendedKeyUsage");
				if (purposes.contentsAre(SERVER_AUTH) || purposes.contentsAre(ANY_EXTENDED_KEY_USAGE)) found.serverAuth = true;
			}
		} else if (critical && id !== SUBJECT_KEY_ID && id !== AUTHORITY_KEY_ID) {
			// RFC 5280 4.2: a critical extension the verifier does not understand rejects the certificate.
			throw asn1.rejected("unsupported critical extension");
		}
	}
}

const digitsOf = (bytes: Uint8Array) => {
	let n = 0;
	for (let i = 0; i < bytes.length; i++) n = n * 256 + bytes[i];
	return n;
};

export function parseCertificate(der: Uint8Array): Certificate {
	const top = new asn1.DerReader(der).expect(asn1.SEQUENCE, "certificate");
	if (!top.done) throw asn1.rejected("malformed certificate: trailing bytes");
	const parts = top.enter();
	const tbs = parts.expect(asn1.SEQUENCE, "tbsCertificate").raw();
	const fields = parts.enter();
	const algorithm = parts.expect(asn1.SEQUENCE, "signatureAlgorithm").raw();
	const oid = parts.enter().expect(asn1.OID, "signatureAlgorithm");
	const signature = parts.bitString("signature");

	fields.optional(0xa0); // version [0] EXPLICIT: the extensions below decide what matters
	fields.expect(asn1.INTEGER, "serialNumber");
	// RFC 5280 4.1.1.2: the outer algorithm must be the one inside the signed part.
	if (!asn1.sameBytes(fields.expect(asn1.SEQUENCE, "signature").raw(), algorithm)) throw asn1.rejected("signature algorithm differs from the signed one");
	const issuer = fields.expect(asn1.SEQUENCE, "issuer").raw();
	const validity = fields.expect(asn1.SEQUENCE, "validity").enter();
	const notBefore = time(validity);
	const notAfter = time(validity);
	const subject = fields.expect(asn1.SEQUENCE, "subject").raw();
	const publicKeyInfo = fields.expect(asn1.SEQUENCE, "subjectPublicKeyInfo").raw();
	fields.optional(0x81); // issuerUniqueID
	fields.optional(0x82); // subjectUniqueID
	const found: Extensions = { dnsNames: [], ipAddresses: [], ca: false, keyCertSign: true, serverAuth: true };
	if (fields.optional(0xa3)) readExtensions(fields.enter().expect(asn1.SEQUENCE, "extensions").enter(), found);

	let signatureAlgorithm: SignatureAlgorithm | undefined;
	for (let i = 0; i < SIGNATURE_ALGORITHMS.length; i++) if (oid.contentsAre(SIGNATURE_ALGORITHMS[i][0])) signatureAlgorithm = SIGNATURE_ALGORITHMS[i][1];

	return {
		tbs,
		signatureAlgorithm,
		signature,
		issuer,
		subject,
		notBefore,
		notAfter,
		publicKeyInfo,
		dnsNames: found.dnsNames,
		ipAddresses: found.ipAddresses,
		ca: found.ca,
		pathLength: found.pathLength,
		keyCertSign: found.keyCertSign,
		serverAuth: found.serverAuth,
	};
}
