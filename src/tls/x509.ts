/**
 * The parts of an X.509 certificate (RFC 5280) that chain verification needs, read
 * straight from the DER: names and keys stay views into the certificate's bytes, so a
 * chain is parsed without copying it.
 */
import type { SignatureAlgorithm } from "../common/board";
import { BIT_STRING, BOOLEAN, DerReader, GENERALIZED_TIME, INTEGER, OCTET_STRING, OID, SEQUENCE, UTC_TIME, bitStringBytes, inside, rejected, sameBytes, type Tlv } from "./der";

export interface Certificate {
	/** The signed part, header included: what the issuer's signature covers. */
	readonly tbs: Uint8Array;
	readonly signatureAlgorithm: SignatureAlgorithm;
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

const hex = (bytes: Uint8Array): string => {
	let text = "";
	for (let i = 0; i < bytes.length; i++) text += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
	return text;
};

/** Signature algorithm OIDs (contents octets, hex) this verifier accepts. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithm>> = {
	"2a864886f70d01010b": "sha256WithRSAEncryption",
	"2a864886f70d01010c": "sha384WithRSAEncryption",
	"2a8648ce3d040302": "ecdsa-with-SHA256",
	"2a8648ce3d040303": "ecdsa-with-SHA384",
};

// Extensions: id-ce (2.5.29) followed by one octet.
const SUBJECT_KEY_ID = "551d0e";
const KEY_USAGE = "551d0f";
const SUBJECT_ALT_NAME = "551d11";
const BASIC_CONSTRAINTS = "551d13";
const AUTHORITY_KEY_ID = "551d23";
const EXTENDED_KEY_USAGE = "551d25";
const SERVER_AUTH = "2b06010505070301";
const ANY_EXTENDED_KEY_USAGE = "551d2500";

function time(tlv: Tlv): number {
	const v = tlv.value;
	const long = tlv.tag === GENERALIZED_TIME;
	// RFC 5280 4.1.2.5: seconds always present, always Zulu, no fractions.
	if ((tlv.tag !== UTC_TIME && !long) || v.length !== (long ? 15 : 13) || v[v.length - 1] !== 0x5a) throw rejected("malformed validity time");
	const digits = (at: number, count: number) => {
		let n = 0;
		for (let i = at; i < at + count; i++) {
			const d = v[i] - 0x30;
			if (d < 0 || d > 9) throw rejected("malformed validity time");
			n = n * 10 + d;
		}
		return n;
	};
	let year = long ? digits(0, 4) : digits(0, 2);
	if (!long) year += year < 50 ? 2000 : 1900; // RFC 5280 4.1.2.5.1
	const at = long ? 4 : 2;
	return Date.UTC(year, digits(at, 2) - 1, digits(at + 2, 2), digits(at + 4, 2), digits(at + 6, 2), digits(at + 8, 2));
}

interface Extensions {
	dnsNames: string[];
	ipAddresses: Uint8Array[];
	ca: boolean;
	pathLength?: number;
	keyCertSign: boolean;
	serverAuth: boolean;
}

function extensions(list: Tlv | undefined): Extensions {
	const found: Extensions = { dnsNames: [], ipAddresses: [], ca: false, keyCertSign: true, serverAuth: true };
	if (!list) return found;
	const seen: string[] = [];
	const all = inside(inside(list).expect(SEQUENCE, "extensions"));
	while (!all.done) {
		const extension = inside(all.expect(SEQUENCE, "extension"));
		const id = hex(extension.expect(OID, "extension").value);
		if (seen.includes(id)) throw rejected("duplicate extension"); // RFC 5280 4.2
		seen.push(id);
		const critical = extension.optional(BOOLEAN)?.value[0] === 0xff;
		const value = new DerReader(extension.expect(OCTET_STRING, "extension").value);
		if (id === SUBJECT_ALT_NAME) {
			const names = inside(value.expect(SEQUENCE, "subjectAltName"));
			while (!names.done) {
				const name = names.next();
				if (name.tag === 0x82) found.dnsNames.push(String.fromCharCode(...name.value)); // dNSName [2] IA5String
				else if (name.tag === 0x87) found.ipAddresses.push(name.value); // iPAddress [7]
			}
		} else if (id === BASIC_CONSTRAINTS) {
			const fields = inside(value.expect(SEQUENCE, "basicConstraints"));
			found.ca = fields.optional(BOOLEAN)?.value[0] === 0xff;
			const length = fields.optional(INTEGER)?.value;
			if (length) {
				if (length.length > 2 || length[0] & 0x80) throw rejected("malformed basicConstraints");
				found.pathLength = length.reduce((n, b) => n * 256 + b, 0);
			}
		} else if (id === KEY_USAGE) {
			const bits = value.expect(BIT_STRING, "keyUsage").value;
			found.keyCertSign = bits.length > 1 && (bits[1] & 0x04) !== 0; // bit 5, keyCertSign
		} else if (id === EXTENDED_KEY_USAGE) {
			const purposes = inside(value.expect(SEQUENCE, "extendedKeyUsage"));
			found.serverAuth = false;
			while (!purposes.done) {
				const purpose = hex(purposes.expect(OID, "extendedKeyUsage").value);
				if (purpose === SERVER_AUTH || purpose === ANY_EXTENDED_KEY_USAGE) found.serverAuth = true;
			}
		} else if (critical && id !== SUBJECT_KEY_ID && id !== AUTHORITY_KEY_ID) {
			// RFC 5280 4.2: a critical extension the verifier does not understand rejects the certificate.
			throw rejected(`unsupported critical extension ${id}`);
		}
	}
	return found;
}

export function parseCertificate(der: Uint8Array): Certificate {
	const top = new DerReader(der);
	const certificate = top.expect(SEQUENCE, "certificate");
	if (!top.done) throw rejected("malformed certificate: trailing bytes");
	const parts = inside(certificate);
	const tbsTlv = parts.expect(SEQUENCE, "tbsCertificate");
	const algorithm = parts.expect(SEQUENCE, "signatureAlgorithm");
	const signature = bitStringBytes(parts.next(), "signature");

	const tbs = inside(tbsTlv);
	tbs.optional(0xa0); // version [0] EXPLICIT: the extensions below decide what matters
	tbs.expect(INTEGER, "serialNumber");
	const innerAlgorithm = tbs.expect(SEQUENCE, "signature");
	const issuer = tbs.expect(SEQUENCE, "issuer").raw;
	const validity = inside(tbs.expect(SEQUENCE, "validity"));
	const notBefore = time(validity.next());
	const notAfter = time(validity.next());
	const subject = tbs.expect(SEQUENCE, "subject").raw;
	const publicKeyInfo = tbs.expect(SEQUENCE, "subjectPublicKeyInfo").raw;
	tbs.optional(0x81); // issuerUniqueID
	tbs.optional(0x82); // subjectUniqueID
	const found = extensions(tbs.optional(0xa3));

	// RFC 5280 4.1.1.2: the outer algorithm must be the one inside the signed part.
	if (!sameBytes(algorithm.raw, innerAlgorithm.raw)) throw rejected("signature algorithm differs from the signed one");
	const oid = hex(inside(algorithm).expect(OID, "signatureAlgorithm").value);
	const signatureAlgorithm = SIGNATURE_ALGORITHMS[oid];
	if (!signatureAlgorithm) throw rejected(`unsupported signature algorithm ${oid}`);

	return { tbs: tbsTlv.raw, signatureAlgorithm, signature, issuer, subject, notBefore, notAfter, publicKeyInfo, ...found };
}
