/**
 * Keeps the server's certificate chain from the bytes a TLS 1.2 client reads, for a TLS
 * stack that verifies the chain itself and does not hand it out. Before the server's
 * ChangeCipherSpec, TLS 1.2 handshake records are plaintext (RFC 5246 6.2, 7.4.2), so
 * the Certificate message can be read off the wire as it goes by. Only that message is
 * kept (other handshake messages are skipped, not buffered), and nothing is looked at
 * once it has been seen, so application data costs nothing.
 */
const HANDSHAKE = 22;
const CERTIFICATE = 11;
/** The largest Certificate message kept: one full record's worth. */
export const MAX_CERTIFICATE_MESSAGE = 16384;

export class CertificateCapture {
	// Fields `declare`d and set in the constructor, not class or #private fields: less bytecode in XS.
	/** The certificates, leaf first (views into one buffer), once the message has been read. */
	declare chain: Uint8Array[] | undefined;
	/** Why no chain could be taken, when the message was too large or malformed. */
	declare error: string | undefined;
	/** True once there is nothing more to look for: the chain was read, or it never will be. */
	declare done: boolean;
	/**
	 * The record header (5 bytes) or handshake message header (4) being read, and how much of
	 * it came. Each stays until the next one is read, so its first byte is the current type.
	 */
	private declare readonly header: Uint8Array;
	private declare headerFill: number;
	private declare readonly messageHeader: Uint8Array;
	private declare messageHeaderFill: number;
	/** Bytes left of the record, and of the handshake message. */
	private declare recordLeft: number;
	private declare messageLeft: number;
	/** The Certificate message's body, while it is read (filled up to its length less messageLeft). */
	private declare body: Uint8Array | undefined;

	constructor() {
		this.done = false;
		this.header = new Uint8Array(5);
		this.messageHeader = new Uint8Array(4);
		this.headerFill = this.messageHeaderFill = this.recordLeft = this.messageLeft = 0;
	}

	/**
	 * Bytes as read from the server, in order, in pieces of any size. One loop reads record
	 * headers and, inside handshake records, message headers and the Certificate message's
	 * body: each step takes what is left of the piece, the record and the message.
	 */
	push(bytes: Uint8Array): void {
		let at = 0;
		while (at < bytes.length && !this.done) {
			const header = this.header;
			if (this.recordLeft === 0) {
				header[this.headerFill++] = bytes[at++];
				if (this.headerFill < 5) continue;
				this.headerFill = 0;
				this.recordLeft = (header[3] << 8) | header[4];
				// ChangeCipherSpec or application data: what follows is encrypted.
				if (header[0] === 20 || header[0] === 23) this.finish();
				continue;
			}
			if (header[0] !== HANDSHAKE) {
				const count = Math.min(this.recordLeft, bytes.length - at);
				this.recordLeft -= count;
				at += count;
				continue;
			}
			if (this.messageLeft === 0) {
				const h = this.messageHeader;
				h[this.messageHeaderFill++] = bytes[at++];
				this.recordLeft--;
				if (this.messageHeaderFill < 4) continue;
				this.messageHeaderFill = 0;
				this.messageLeft = (h[1] << 16) | (h[2] << 8) | h[3];
				if (h[0] === CERTIFICATE) {
					if (this.messageLeft > MAX_CERTIFICATE_MESSAGE) return this.finish(`certificate message of ${this.messageLeft} bytes, more than ${MAX_CERTIFICATE_MESSAGE}`);
					this.body = new Uint8Array(this.messageLeft);
				}
			} else {
				const count = Math.min(this.messageLeft, this.recordLeft, bytes.length - at);
				if (this.body) this.body.set(bytes.subarray(at, at + count), this.body.length - this.messageLeft);
				this.messageLeft -= count;
				this.recordLeft -= count;
				at += count;
			}
			const body = this.body;
			if (this.messageLeft === 0 && body) {
				// certificate_list: a 3-byte total length, then each certificate with a 3-byte
				// length. A length read past the end counts the missing bytes as 0 (undefined << n).
				const length3 = (at: number) => (body[at] << 16) | (body[at + 1] << 8) | body[at + 2];
				let chain: Uint8Array[] | undefined = length3(0) === body.length - 3 ? [] : void 0;
				for (let at = 3; chain && at < body.length; ) {
					const end = at + 3 + length3(at);
					if (end === at + 3 || end > body.length) chain = void 0;
					else chain.push(body.subarray(at + 3, end));
					at = end;
				}
				this.chain = chain;
				this.finish(chain ? void 0 : "malformed certificate message");
			}
		}
	}

	private finish(error?: string): void {
		this.done = true;
		this.error = error;
		this.body = void 0;
	}
}
